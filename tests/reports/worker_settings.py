"""Settings of the Celery workers started by the tests: the project's settings plus a test-only document kind.

The kind ``tests_slow_document`` (app ``tests.reports.slowapp``) blocks until the test lets it finish, so that a
test can kill the worker in the middle of a build. The visibility timeout is shortened so that the message of a
killed worker comes back within seconds instead of ten minutes; nothing else differs from production.
"""

import os

from crrc.settings.base import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.reports.slowapp"]  # noqa: F405
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": int(os.environ.get("REPORTS_TEST_VISIBILITY_TIMEOUT", "600")),
    # Sweep for abandoned messages every second (production: every 100 s, against a 600 s visibility timeout).
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
