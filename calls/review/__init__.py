"""The reviewers' side of calls: CRRC staff instruct applications, ARS reviewers read them.

The applicant's side (calls, applications, the workflow) lives one level up in ``calls``; the models here belong to
the same ``calls`` app (app_label ``calls``), so their tables and migrations are those of ``calls/migrations``.
"""
