"""Settings read from the environment.

Without any variable the portal runs as the demo: embedded SQLite, Celery tasks run eagerly in-process,
e-mails printed to the console. Production sets ``DJANGO_SETTINGS_MODULE=crrc.settings.production``.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-demo-key-change-me-in-production-0123456789abcdef")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Where the shared reference data (FINESS extracts, grids) lives; read in place, never copied.
REFERENCE_DATA_DIR = Path(os.environ.get("REFERENCE_DATA_DIR", BASE_DIR.parent / "shared" / "reference-data")).resolve()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "simple_history",
    "import_export",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "crrc",
    "accounts",
    "establishments",
    "reports",
    "calls",
    "action_plans",
    "assessments",
    "dashboards",
    "incidents",
    "awareness",
    "community",
    "offers",
    "exercises",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crrc.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "crrc.middleware.StaffMfaRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "crrc.urls"
WSGI_APPLICATION = "crrc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crrc.context_processors.branding",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections (issue 15): a new PostgreSQL connection per request is a backend fork and an
        # authentication on every page. 60 s, checked before reuse (health checks), as Django documents for
        # threaded servers (gunicorn gthread); Celery workers close them between tasks (close_old_connections).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the tenancy scopes' estimated costs (a subquery over every establishment) cross PostgreSQL's JIT
    # thresholds, and compiling a plan took 2-5 s for a query that runs in under 1 ms (EXPLAIN ANALYZE of the
    # establishment home on the national data: "JIT … Optimization 3274 ms, Emission 1953 ms"). Short OLTP queries
    # never win from JIT; this is the usual setting for a web application.
    # random_page_cost: PostgreSQL's default (4) prices a random read as on a spinning disk; on SSD storage (any
    # host today) 1.1 is the usual value. With 4 the planner scanned whole tables in hash joins where an index walk
    # over a region's ~1,200 establishments takes milliseconds (EXPLAIN ANALYZE of the dashboard's subscriptions
    # query on the national data: 270 ms with 4, 42 ms with 1.1). PG_RANDOM_PAGE_COST overrides it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c jit=off -c random_page_cost={float(os.environ.get('PG_RANDOM_PAGE_COST', '1.1'))}"
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's SQLite: a writer waits up to 20 s for the lock instead of failing with "database is locked", and
    # write transactions take the lock when they begin (no deferred upgrade that deadlocks two concurrent POSTs).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Every form renders with Bootstrap classes, errors next to the field and a summary at the top.
FORM_RENDERER = "crrc.forms.BootstrapFormRenderer"

AUTH_USER_MODEL = "accounts.User"
# allauth's e-mail log-in, whose user comes with its scope facts in one query (accounts/backends.py); Django's own
# backend stays for the admin's log-in form and the sessions it signed in. allauth signs in with the first backend
# derived from its own, the portal's. (Sessions signed in through allauth's own path before it end once.)
AUTHENTICATION_BACKENDS = [
    "accounts.backends.PortalBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- django-allauth ---------------------------------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
# A sign-up or password reset never tells whether an address has an account (same answer, same time: see
# accounts.adapters).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CRRC] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Portail CRRC")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True


def _oidc_apps() -> list[dict]:
    """ProConnect and Pro Santé Connect, each enabled only when its client id is set."""
    apps = []
    for provider_id, name, prefix in (
        ("proconnect", "ProConnect", "PROCONNECT"),
        ("prosanteconnect", "Pro Santé Connect", "PSC"),
    ):
        client_id = os.environ.get(f"{prefix}_CLIENT_ID")
        server_url = os.environ.get(f"{prefix}_SERVER_URL")
        if client_id and server_url:
            apps.append(
                {
                    "provider_id": provider_id,
                    "name": name,
                    "client_id": client_id,
                    "secret": os.environ.get(f"{prefix}_SECRET", ""),
                    "settings": {
                        "server_url": server_url,
                        "scope": ["openid", "email", "given_name", "usual_name"],
                    },
                }
            )
    return apps


SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": _oidc_apps(), "OAUTH_PKCE_ENABLED": True}}

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Media (uploads, generated PDFs) is private: outside the web root, served only through views that check access.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- e-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Portail CRRC <no-reply@crrc.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
# No broker configured: tasks run in-process (the demo needs no Redis).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# visibility_timeout: an unacknowledged message (worker killed mid-task) goes back to the queue after this long; it
# must exceed the longest task (build_report: time_limit 300 s). Socket timeouts keep a publish from a web request
# from hanging on a broker that stopped answering.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600, "socket_connect_timeout": 5, "socket_timeout": 10}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # Requests kept while the broker was down, and builds orphaned by a lost worker, are queued again.
    "reports-requeue-pending": {"task": "reports.tasks.requeue_pending_reports", "schedule": 60.0},
    # Action plans: owners reminded before deadlines (daily), weekly digest of overdue items (Mondays).
    "action-plans-deadline-reminders": {
        "task": "action_plans.tasks.send_deadline_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "action-plans-overdue-digests": {
        "task": "action_plans.tasks.send_overdue_digests",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
    # Offers: CRRC staff told once when a framework agreement comes within its alert window before its end.
    "offers-agreement-ends": {"task": "offers.tasks.check_agreement_ends", "schedule": crontab(hour=6, minute=45)},
    # Incidents: the director and RSSI reminded of each step due within the hour (once per step).
    "incidents-step-reminders": {"task": "incidents.tasks.send_step_reminders", "schedule": 900.0},
    # Calls: at closing, submitted applications go to review (drafts stay drafts); drafts reminded 2 days before.
    "calls-close-due-calls": {"task": "calls.tasks.close_due_calls", "schedule": 300.0},
    "calls-draft-reminders": {"task": "calls.tasks.remind_drafts_before_closing", "schedule": 900.0},
    # Calls review (calls/review/tasks.py; task names kept): reviewers' digests, priorities refreshed nightly.
    "calls-review-daily-digest": {
        "task": "calls.review_tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=15),
    },
    "calls-review-weekly-digest": {
        "task": "calls.review_tasks.send_weekly_digests",
        "schedule": crontab(hour=7, minute=45, day_of_week="mon"),
    },
    "calls-review-refresh-priorities": {
        "task": "calls.review_tasks.refresh_open_priorities",
        "schedule": crontab(hour=6, minute=0),
    },
    # Community: weekly digests (medium level) on Mondays, monthly (low) on the 1st, event reminders the day before.
    "community-weekly-digests": {
        "task": "community.tasks.send_weekly_digests",
        "schedule": crontab(hour=6, minute=30, day_of_week="mon"),
    },
    "community-monthly-digests": {
        "task": "community.tasks.send_monthly_digests",
        "schedule": crontab(hour=6, minute=45, day_of_month="1"),
    },
    "community-event-reminders": {"task": "community.tasks.send_event_reminders", "schedule": crontab(minute=5)},
}

# Every admin export (django-import-export) escapes formula-like text: see crrc/exports.py.
from crrc.exports import SAFE_EXPORT_FORMATS  # noqa: E402

EXPORT_FORMATS = SAFE_EXPORT_FORMATS

# Every admin import reads within bounds (size, rows, zip bombs, macros) and refuses damaged files in French:
# see crrc/importing.py (the system check crrc.E003 refuses an admin import with other formats).
from crrc.importing import SAFE_IMPORT_FORMATS  # noqa: E402

IMPORT_FORMATS = SAFE_IMPORT_FORMATS

# --- Cache ------------------------------------------------------------------------------------------
# Shared by every worker and process: login rate limits (allauth counts attempts in the cache) must be one counter
# for the three gunicorn workers, not three. Redis when configured (CACHE_URL, else REDIS_URL, else a redis://
# broker); local memory only for the demo without Redis.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or ""
if not CACHE_URL and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CACHE_URL = CELERY_BROKER_URL
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "crrc.cache.PortalRedisCache",  # Django's, keeping its client (crrc/cache.py)
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "crrc",
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }
    # Sessions read from Redis, written through to PostgreSQL: the session query of every signed-in request
    # becomes a cache hit (issue 15, measured in bench/). Only on a shared cache: with per-process local memory a
    # session ended in one worker would live on in another's cache.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Reverse proxies in front of the portal that append to X-Forwarded-For: allauth takes the client's address from
# that header only that many hops deep (0: the socket's address; behind nginx/traefik: 1).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Age at most of the regional dashboard's panels (seconds; 0: computed on every request), see dashboards/cache.py.
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "300"))

# --- Security (hardened further in production) -------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Links in e-mails and PDFs, for regions without a host name of their own.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# The region whose branding is shown when neither the host name nor the user's establishment says.
CRRC_DEFAULT_REGION = os.environ.get("CRRC_DEFAULT_REGION", "76")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
