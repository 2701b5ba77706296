"""Celery application. Without a broker URL the settings make every task run eagerly (demo mode).

Production (docker compose) runs, beside the web service:

* a worker:  ``celery -A crrc worker --loglevel=INFO --concurrency=2``
  (prefork; tasks are acknowledged late, a killed pool process has its task requeued at once, a killed worker's
  task comes back after the broker's visibility timeout, 600 s);
* one beat:  ``celery -A crrc beat --loglevel=INFO --schedule /tmp/celerybeat-schedule``
  (``CELERY_BEAT_SCHEDULE`` in settings: ``reports.tasks.requeue_pending_reports`` every minute, which queues
  again the document requests kept while the broker was down and the builds orphaned by a lost worker).

Tasks are discovered in each app's ``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crrc.settings.base")

app = Celery("crrc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
