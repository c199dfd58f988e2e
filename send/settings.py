"""Settings for every environment, read from environment variables.

Development defaults are safe and local; with DEBUG off the project refuses to start without a real
SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (see `_require`).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pghistory
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"  # nosec B105 - refused with DEBUG off
_DEV_DATABASE_URL = "postgresql://send_app:send_app@127.0.0.1:5432/send"

SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
DATABASE_URL = os.environ.get("DATABASE_URL") or (_DEV_DATABASE_URL if DEBUG else "")


def _require() -> None:
    """Refuse to run in production with development secrets or an open host list."""
    if DEBUG:
        return
    missing = []
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        missing.append("SECRET_KEY (at least 32 random characters)")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        missing.append("ALLOWED_HOSTS (comma-separated host names, no '*')")
    if not DATABASE_URL:
        missing.append("DATABASE_URL")
    if missing:
        raise ImproperlyConfigured("DEBUG is off, so these must be set in the environment: " + "; ".join(missing))


_require()

INSTALLED_APPS = [
    "send.apps.SuperuserAdminConfig",  # django.contrib.admin, its default site for verified superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "send.apps.StaticFiles",  # django.contrib.staticfiles, without the front-end packages' sources
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_permissions_policy",
    "pgtrigger",
    "pghistory",
    "send.apps.SendCoreConfig",
    "schools",
    "pupils",
    "provision",
    "reviews",
    "records",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "send.sessions.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "schools.security.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "send.middleware.NoStoreMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "send.middleware.TenantMiddleware",
    "schools.security.MfaRequiredMiddleware",
    "send.middleware.AuditContextMiddleware",
    "schools.api_auth.ApiClientMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during sign-in into its response.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Static files under gunicorn; in development runserver serves them from the finders.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "send.urls"
WSGI_APPLICATION = "send.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "send.context_processors.tenant",
            ],
        },
    },
]

DATABASES = {
    "default": {
        **dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))),
        # Our backend sets the tenant on the connection before every statement (send/db).
        "ENGINE": "send.db.backends.postgresql",
    }
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The role that the app runs as; migrations run as the table owner (DATABASE_URL of the owner).
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "send_app")

AUTH_USER_MODEL = "schools.User"
# What the core needs from the apps, named here so that the core imports no app (as Django does with the user
# model): the model that owns tenant rows, and the function giving a user's trusts (their roles in each).
TENANT_MODEL = "schools.Trust"
TENANT_CHOICES = "schools.selectors.trusts_of_user"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour; a token is void once the password changes (single use)

# Multi-factor sign-in (django-otp): TOTP with backup codes, required for roles that see named pupils.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "SEND platform")
OTP_TOTP_THROTTLE_FACTOR = 1
REAUTHENTICATE_MAX_AGE = timedelta(minutes=10)  # step-up before changing roles or exporting a record
# The Django admin lists OTP devices: never their keys, QR codes or backup codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The demo users' TOTP secret (seed_demo only), RFC 6238's test key; base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"

# Client addresses: how many reverse proxies in front append to X-Forwarded-For (send.audit.client_ip, with
# django-ipware). 0: the header is ignored and the connecting address is the client's.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

# Brute force (django-axes): five failures per username and client address, then a 15-minute cool-off; and
# 20 failures for one username from any addresses within the cool-off lock that account (many addresses
# guessing one password), see schools.security.AccountAndAddressHandler.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("AXES_ACCOUNT_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "schools.security.AccountAndAddressHandler"
AXES_CLIENT_IP_CALLABLE = "send.audit.client_ip"
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field, which holds the email
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

# Sessions: 60 minutes idle (the expiry slides with every request, saved at most once a minute by
# send.sessions), 10 hours at most from sign-in.
SESSION_COOKIE_AGE = 60 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = int(os.environ.get("SESSION_REFRESH_SECONDS", "60"))
SESSION_ABSOLUTE_AGE = timedelta(hours=10)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# Source maps are for developer tools only: not compressed (they are most of the bytes, and of the image's build).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
PRIVATE_STORAGE_ROOT = Path(os.environ.get("PRIVATE_STORAGE_ROOT", BASE_DIR / "var" / "private"))
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_MB", "20")) * 1_000_000
# Prepared PDFs (passports, plans, maps) can be downloaded for this many days, then they are deleted.
PDF_KEEP_DAYS = int(os.environ.get("PDF_KEEP_DAYS", "7"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploads: outside STATIC_ROOT and with no URL, served only by send.uploads.download.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "send"),
    }
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Beat keeps when each periodic task last ran in this file; its scheduler makes the folder (a fresh clone has no var/).
CELERY_BEAT_SCHEDULER = "send.celery:Scheduler"
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "heartbeat": {"task": "send.tasks.heartbeat", "schedule": 60.0},
    # Each night: prepared PDFs older than PDF_KEEP_DAYS are deleted.
    "expired-pdfs": {"task": "send.tasks.delete_expired_pdfs", "schedule": crontab(hour=2, minute=15)},
    # Each night: the access log's monthly partitions ahead (send/access_log.py).
    "access-log-partitions": {"task": "send.tasks.access_log_partitions", "schedule": crontab(hour=2, minute=45)},
    # Each morning: SEN support plans whose review is within two weeks become due.
    "plan-reviews": {"task": "reviews.scan_plan_reviews", "schedule": crontab(hour=6, minute=30)},
    # Each morning: statutory deadlines entering a warning window become reminders, then the day's e-mail digests.
    "statutory-deadlines": {"task": "reviews.scan_statutory_deadlines", "schedule": crontab(hour=6, minute=0)},
    # Each month: records past their retention date are listed for approval (records.retention_services).
    "records-due-for-destruction": {
        "task": "records.list_due_for_destruction",
        "schedule": crontab(day_of_month=1, hour=3, minute=30),
    },
}
# A worker's passing failure to render a PDF is retried this many times (with backoff) before the job fails.
PDF_RETRIES = int(os.environ.get("PDF_RETRIES", "3"))
# The warning windows of statutory deadlines, in days before the due date; -1 means "overdue".
DEADLINE_REMINDER_DAYS = tuple(int(days) for days in env_list("DEADLINE_REMINDER_DAYS", "28,14,7,0,-1"))
# ... and of SEN support plan reviews (the class teacher's): two weeks before, and once overdue.
PLAN_REVIEW_REMINDER_DAYS = tuple(int(days) for days in env_list("PLAN_REVIEW_REMINDER_DAYS", "14,-1"))

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# Digests and invitations travel encrypted to the relay unless turned off (the development mail catcher has no TLS).
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not DEBUG)
# A relay that hangs must not hold a worker (and the digest it is sending) for ever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# The address of the site, for links in emails sent by workers (no request to build them from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SEND platform <no-reply@localhost>")

# The access log is partitioned by month; `manage.py prune_access_log` (run as the owner) drops months older than
# this many (0 keeps every month).
ACCESS_LOG_RETENTION_MONTHS = int(os.environ.get("ACCESS_LOG_RETENTION_MONTHS", "24"))
ACCESS_LOG_MONTHS_AHEAD = 3

# Audit: context travels inside each event row, so the audit tables only ever receive INSERTs.
PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
PGHISTORY_APPEND_ONLY = True
PGHISTORY_DEFAULT_TRACKERS = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

# The REST API (/api/v1/) for MIS integration: bearer tokens of API clients only, never the session.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["schools.api_auth.ApiClientAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["send.api_access.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["send.api_access.ApiClientRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "send.api_pagination.SyncCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "send.api_errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
}
# /healthz: the public answer is cached this many seconds; with `Authorization: Bearer <HEALTHZ_TOKEN>` it also
# pings the workers (up to a second), which no anonymous request can make it do.
HEALTHZ_CACHE_SECONDS = int(os.environ.get("HEALTHZ_CACHE_SECONDS", "5"))
HEALTHZ_TOKEN = os.environ.get("HEALTHZ_TOKEN", "")
# Wrong bearer tokens from one address within 10 minutes before it gets 429 (counted in Redis).
API_TOKEN_FAILURES_PER_ADDRESS = int(os.environ.get("API_TOKEN_FAILURES_PER_ADDRESS", "20"))
# Bulk requests carry up to 1,000 records; beyond this the API answers 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(5 * 1024 * 1024)))

SPECTACULAR_SETTINGS = {
    "TITLE": "SEND platform API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (BASE_DIR / "send" / "api_description.md").read_text(encoding="utf-8"),
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SenStatusEnum": "pupils.models.SenStatus",
        "HistoricSenStatusEnum": "pupils.models.HistoricSenStatus",
        "YearGroupEnum": "schools.models.YearGroup",
        "TombstoneEnum": ["deleted", "left", "left_register"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "send.api_schema.add_problem_responses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: Secure, Path=/ and no Domain, so no subdomain can set or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The demo users' password (seed_demo); documented in the README.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "oakfield-demo-2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
