"""Establishments, their organisations and the memberships that give people access: the tenancy core."""
