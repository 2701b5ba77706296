"""Test settings: the database and broker come from the environment (PostgreSQL and Redis in CI)."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Undefined template variables fail loudly during tests.
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "<<UNDEFINED:%s>>"  # noqa: F405
ACCOUNT_RATE_LIMITS = False
# Each test process keeps its own cache (tests of rate limits turn them on and clear it); production and the gates'
# servers use Redis (base settings).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The dashboard's panels are computed on every request in tests; tests/dashboards/test_cache.py turns the cache on.
DASHBOARD_CACHE_SECONDS = 0
# Tests choose per test whether Celery is eager; default eager so that unit tests need no worker.
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
# Any page rendered with an undefined variable fails the test that rendered it.
MIDDLEWARE = [*MIDDLEWARE, "crrc.template_guard.UndefinedVariableGuardMiddleware"]  # noqa: F405
# live_server wraps the app in Django's media handler, which cannot parse MEDIA_URL = None (bytes/str TypeError on
# every request). Tests only: production keeps media private behind access-checking views.
MEDIA_URL = "/test-media/"
# The workflow kit's own tests use a tiny model app, migrated with the test database.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.crrc.workflow_app"]  # noqa: F405
