"""The CRRC portal project: settings, URLs, the Celery app and cross-cutting code (tenancy, branding)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
