"""Django's own floor for a signed-in request on the portal's stack, between the minimal view and the bare view.

The portal's settings (same database, same Redis-backed ``cached_db`` sessions, same user model, same secret key:
the benchmark's session cookies work here) with only the middlewares a stock ``startproject`` needs to know who is
signed in: security, sessions, common, authentication, clickjacking. Its view reads ``request.user`` (the session
from Redis, the user from PostgreSQL) and renders nothing. What separates it from the minimal view is the price of
Django's sessions and authentication themselves; what separates the project's bare view from it is the project's
own stack (CSP, locale, CSRF, messages, allauth, the staff MFA rule and its scope facts, htmx, history).
"""

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.stock_urls"
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Only the apps the session and the user need (allauth refuses to load without its middleware).
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "bench.stock_apps.AccountsModelsOnly",
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]  # the benchmark's sessions sign in with it
