"""User accounts: the e-mail-login user model and allauth glue.

Its own app because every other app points at the user model, which must exist from the first migration.
"""
