"""Celery application. Without a broker URL the settings make every task run eagerly (demo mode)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crrc.settings.base")

app = Celery("crrc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
