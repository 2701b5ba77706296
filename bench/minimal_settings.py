"""The ceiling: a minimal Django project served by the same gunicorn as the portal.

Three middlewares (security, common, clickjacking), no database, no session, no template: what one Django request
costs on this machine with nothing of the project. Every figure of the benchmark is given as a ratio to it.
"""

SECRET_KEY = "bench-minimal-not-secret"  # noqa: S105 - a throwaway process on 127.0.0.1
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.minimal_urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
DATABASES: dict = {}
USE_TZ = True
USE_I18N = False
LOGGING_CONFIG = None
