"""mdprod settings, read from the environment.

With no environment at all the project runs embedded: SQLite under var/, Celery on kombu's
filesystem transport (no broker server), e-mail to the console and a development secret generated
once into var/. Production sets the variables documented in the README.
"""

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MDPROD_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)


def _secret_key() -> str:
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "mdprod.apps.MdprodAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc from our static files, no CDN
    "django_fsm",
    "axes",  # sign-in failures and lockouts (workflow.lockout)
    "workflow",
    "budgets",
    "reviews",
    "releases",
    "contracts",
    "audience",
    "conversations",
    "inbox",
    "board",
    "devdata",
]

MIDDLEWARE = [
    # First, so that every answer carries X-Request-ID (redirects and errors included).
    "common.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "common.api.ApiErrorFormatMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in person's time zone (workflow.preferences).
    "workflow.preferences.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "workflow.ratelimits.RateLimitHeadersMiddleware",
    # Keeps our answers: the refusal itself is workflow.lockout's (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
    # Innermost: a POST retried with its Idempotency-Key gets the first answer again.
    "workflow.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "mdprod.urls"
WSGI_APPLICATION = "mdprod.wsgi.application"
ASGI_APPLICATION = "mdprod.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'mdprod.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers: wait for the lock rather than fail, take it when a transaction
    # begins (IMMEDIATE: a deferred transaction that reads and then writes cannot wait, and fails
    # at once with "database is locked"), and let readers go on while one writes (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif env_bool("DATABASE_POOL"):
    # A pool per process (bin/serve turns it on for the web processes): a burst of requests
    # waits up to DATABASE_POOL_TIMEOUT seconds for one of DATABASE_POOL_MAX_SIZE connections
    # instead of each thread opening its own until the server refuses more. Sizing: web
    # processes x pool size + worker processes + beat < the server's max_connections.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "4")),
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
    }

# How long a write waits for another writer's lock on the same project (PostgreSQL) before it
# answers 409 concurrent_update.
MDPROD_LOCK_TIMEOUT_MS = int(os.environ.get("MDPROD_LOCK_TIMEOUT_MS", "5000"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("MDPROD_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Dates and times on pages carry their zone's label ("2026-12-08 18:00 CST").
FORMAT_MODULE_PATH = ["common.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded documents (contracts.models.Document): local files under var/media by default, or any
# Django storage backend named in MDPROD_DEFAULT_STORAGE with its OPTIONS as JSON in
# MDPROD_DEFAULT_STORAGE_OPTIONS (S3-compatible object storage: see the README). Never served from
# MEDIA_URL (no route): the checked download view streams them.
MEDIA_ROOT = Path(os.environ.get("MDPROD_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
_default_storage = {
    "BACKEND": os.environ.get(
        "MDPROD_DEFAULT_STORAGE", "django.core.files.storage.FileSystemStorage"
    )
}
if _storage_options := os.environ.get("MDPROD_DEFAULT_STORAGE_OPTIONS"):
    _default_storage["OPTIONS"] = json.loads(_storage_options)
MDPROD_DOCUMENT_MAX_MB = int(os.environ.get("MDPROD_DOCUMENT_MAX_MB", "20"))
# Uploads above 2.5 MB go to a temporary file, not memory; other request bodies stay under 2.5 MB
# (the front proxy must accept bodies up to MDPROD_DOCUMENT_MAX_MB).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "admin:login"
# Sign-in lands on the inbox (what waits on the user), not the admin index.
LOGIN_REDIRECT_URL = "inbox"

# Security: strict by default, relaxed for local http only when MDPROD_INSECURE_HTTP is set
# (make run sets it, because the embedded server speaks plain http).
_insecure_http = env_bool("MDPROD_INSECURE_HTTP", default=False)
SESSION_COOKIE_SECURE = not _insecure_http
CSRF_COOKIE_SECURE = not _insecure_http
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not _insecure_http)
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if _insecure_http else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not _insecure_http
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=not _insecure_http)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY") else None
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Django's defaults, stated so that a change is deliberate (tests/mdprod/test_security.py).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Sign-in lockout (workflow.lockout, on django-axes' records), for the admin and the token
# endpoint. Failures count while each comes within MDPROD_LOGIN_LOCKOUT_SECONDS of the one before:
# - one username from one address: the pair is locked after FAILURE_LIMIT, for LOCKOUT_SECONDS;
# - one address, any usernames: the address is locked after ADDRESS_FAILURE_LIMIT;
# - one username, any addresses: after ACCOUNT_DELAY_AFTER failures each further attempt waits
#   2, 4, 8... seconds after the last failure, at most ACCOUNT_MAX_DELAY (a delay, never a lock,
#   so that nobody can lock an owner out of their account).
MDPROD_LOGIN_FAILURE_LIMIT = int(os.environ.get("MDPROD_LOGIN_FAILURE_LIMIT", "5"))
MDPROD_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("MDPROD_LOGIN_LOCKOUT_SECONDS", "900"))
MDPROD_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("MDPROD_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
MDPROD_LOGIN_ACCOUNT_DELAY_AFTER = int(os.environ.get("MDPROD_LOGIN_ACCOUNT_DELAY_AFTER", "10"))
MDPROD_LOGIN_ACCOUNT_MAX_DELAY = int(os.environ.get("MDPROD_LOGIN_ACCOUNT_MAX_DELAY", "60"))

AUTHENTICATION_BACKENDS = [
    # Refuses a locked sign-in before any password is checked, wherever authenticate() is called.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "workflow.lockout.SignInHandler"
AXES_FAILURE_LIMIT = MDPROD_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=MDPROD_LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "workflow.lockout.axes_username"
AXES_CLIENT_IP_CALLABLE = "workflow.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "workflow.lockout.keep_response"
AXES_VERBOSE = False

# People's API tokens (POST /api/v1/auth/token/) are refused this many hours after they were
# issued; signing in again then issues a new one.
MDPROD_TOKEN_TTL_HOURS = float(os.environ.get("MDPROD_TOKEN_TTL_HOURS", "24"))

# Embedded default: a line per message in the log, the message itself in var/log/mail.log.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "common.mail.LogEmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mdprod <noreply@mdprod.localhost>")

# Celery: a broker that needs no server unless CELERY_BROKER_URL is set.
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    for sub in ("in", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# JSON only: task arguments are ids, and no pickle reaches a worker.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A stuck task is stopped (soft first, so it can roll back) rather than holding a worker.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "240"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "300"))
# acks_late tasks (the idempotent ones) are acknowledged after they run: reserve one at a time
# so a lost worker leaves at most one message to redeliver.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False  # per task, only where idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_SEND_TASK_EVENTS = False
# The worker logs through LOGGING below, so its lines carry the request id too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic work is a short sweep over the database (no long ETA tasks: Redis redelivers them
# after its visibility timeout). Run exactly one beat.
CELERY_BEAT_SCHEDULE = {
    "sweep-reminders": {
        "task": "workflow.sweep_reminders",
        "schedule": 300.0,
        # A sweep that waited longer than its interval is superseded by the next one.
        "options": {"expires": 290},
    },
    "release-scheduled": {
        "task": "contracts.release_scheduled",
        "schedule": 900.0,
        "options": {"expires": 890},
    },
    "retry-webhooks": {
        "task": "workflow.retry_webhooks",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "sweep-idempotency-records": {
        "task": "workflow.sweep_idempotency_records",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    "sweep-pending-emails": {
        "task": "workflow.sweep_pending_emails",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
# Webhooks: a subscription is disabled after this many failed delivery attempts in a row.
MDPROD_WEBHOOK_DISABLE_AFTER = int(os.environ.get("MDPROD_WEBHOOK_DISABLE_AFTER", "10"))
# Deliver to loopback and private addresses too (on-premises installs whose receivers are on the
# inside). Off: only public addresses, checked again at delivery after resolving.
MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS")
MDPROD_WEBHOOK_MAX_SUBSCRIPTIONS = int(os.environ.get("MDPROD_WEBHOOK_MAX_SUBSCRIPTIONS", "20"))
# Requests in flight to one host:port at a time, across all workers.
MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET = int(
    os.environ.get("MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET", "4")
)
# After a secret rotation the previous secret keeps signing (beside the new one) this long.
MDPROD_WEBHOOK_SECRET_OVERLAP_HOURS = int(
    os.environ.get("MDPROD_WEBHOOK_SECRET_OVERLAP_HOURS", "24")
)
# Reminders: days relative to the due time, then daily while overdue for this many days; from
# the escalation day on, the responsible organisation's admins are told too.
MDPROD_REMINDER_OFFSETS_DAYS = [-3, -1, 0]
MDPROD_REMINDER_OVERDUE_DAYS = int(os.environ.get("MDPROD_REMINDER_OVERDUE_DAYS", "5"))
MDPROD_REMINDER_ESCALATE_FROM_DAY = int(os.environ.get("MDPROD_REMINDER_ESCALATE_FROM_DAY", "2"))

# Audience signals: author ids are stored as an HMAC keyed by this (derived from SECRET_KEY when
# empty; set it to keep authors' hashes stable across a SECRET_KEY rotation). The same text
# (weighing at least MIN_LENGTH: a Chinese character 1, a Latin letter or digit 1/2) from
# MIN_AUTHORS accounts within WINDOW_MINUTES is flagged as suspected automation.
AUDIENCE_AUTHOR_HASH_KEY = os.environ.get("MDPROD_AUDIENCE_AUTHOR_HASH_KEY", "")
AUDIENCE_AUTOMATION_MIN_AUTHORS = int(os.environ.get("MDPROD_AUDIENCE_AUTOMATION_MIN_AUTHORS", "5"))
AUDIENCE_AUTOMATION_WINDOW_MINUTES = int(
    os.environ.get("MDPROD_AUDIENCE_AUTOMATION_WINDOW_MINUTES", "10")
)
AUDIENCE_AUTOMATION_MIN_LENGTH = int(os.environ.get("MDPROD_AUDIENCE_AUTOMATION_MIN_LENGTH", "8"))

# The cache (dashboards) and, by default, the API's rate-limit counters: with several web
# processes they must share Redis for the limits to be exact.
_cache_url = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# The API's rate-limit counters (workflow.ratelimits): atomic in Redis, shared by every process.
# Without Redis, each process counts in its memory.
MDPROD_RATELIMIT_STORAGE_URL = os.environ.get("MDPROD_RATELIMIT_STORAGE_URL") or (
    _cache_url if _cache_url and _cache_url.startswith(("redis://", "rediss://")) else "memory://"
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # People: Authorization: Token <key>, valid MDPROD_TOKEN_TTL_HOURS (workflow/tokens.py).
        "workflow.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # Tools: Authorization: Bearer mdp_<prefix>_<secret> (see workflow/authentication.py).
        "workflow.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "workflow.authentication.ApiKeyScopes",
    ],
    # Per key, per person, per client address for anonymous requests; 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "workflow.authentication.ApiKeyRateThrottle",
        "workflow.authentication.PersonRateThrottle",
        "workflow.authentication.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": os.environ.get("MDPROD_THROTTLE_KEY", "600/min"),
        "user": os.environ.get("MDPROD_THROTTLE_USER", "1200/min"),
        "anon": os.environ.get("MDPROD_THROTTLE_ANON", "60/min"),
    },
    # Anonymous requests count per client address: trust X-Forwarded-For only from our proxies.
    "NUM_PROXIES": int(
        os.environ.get("MDPROD_NUM_PROXIES", "1" if env_bool("DJANGO_BEHIND_PROXY") else "0")
    ),
    # JSON only: the browsable HTML API is not served (no HTML under /api/v1/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "common.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "mdprod API",
    "DESCRIPTION": (
        "Production workflow tracker for micro-dramas: proposals, platform evaluation, "
        "censorship reviews, release. Every object is scoped to the caller's organisations; "
        "objects outside them answer 404. Errors share one format: `code`, `detail` and, for "
        "invalid input, `fields`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "GET_LIB_DOC_EXCLUDES": "common.schema.lib_doc_excludes",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "GradeEnum": "reviews.models.Evaluation.Grade",
        "ProjectStateEnum": "workflow.models.ProjectState",
        "ReviewTierEnum": "workflow.models.ReviewTier",
        "EpisodeAccessEnum": "audience.models.Episode.Access",
        "FeedbackCategoryEnum": "reviews.models.FeedbackItem.Category",
        "BudgetLineCategoryEnum": "budgets.models.BudgetLine.Category",
        "ClearanceKindEnum": "reviews.models.Clearance.Kind",
        "DocumentKindEnum": "contracts.models.Document.Kind",
        "RegulatoryReviewStatusEnum": "reviews.models.RegulatoryReview.Status",
        "ReviewDecisionOutcomeEnum": "reviews.services.filings.Outcome.CHOICES",
        "RoleEnum": "workflow.models.Membership.Role",
        "ApiKeyRoleEnum": "workflow.keys.KEY_ROLE_CHOICES",
        "WebhookEventTypeEnum": "workflow.models.WebhookEventType",
        "ContractStatusEnum": "contracts.models.Contract.Status",
        "ResidualBasisEnum": "contracts.models.Contract.ResidualBasis",
        "RevisionKindEnum": "audience.models.Revision.Kind",
        "AudienceSignalKindEnum": "audience.models.AudienceSignal.Kind",
        "SignalImportSourceEnum": "audience.models.SignalImport.Source",
    },
}

# Every line names the request (X-Request-ID) or task it belongs to ("-" outside both).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.request_id.RequestIdFilter"}},
    "formatters": {
        "default": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "default",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("MDPROD_LOG_LEVEL", "INFO")},
    # axes tells of every sign-in at INFO; its warnings (each failure, each lock) are enough.
    "loggers": {"axes": {"level": "WARNING"}},
}
