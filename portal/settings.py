"""Settings for the Interaction Data Governance Portal.

Everything comes from the environment. With no DATABASE_URL / REDIS_URL the
portal expects the embedded servers that ``python -m portal.stack`` starts
under ``.data/`` and reads their addresses from ``.data/stack.env``.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from portal.stack import local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PORTAL_DATA_DIR", BASE_DIR / ".data"))


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _stack_env() -> dict[str, str]:
    """Addresses the embedded stack published for processes it did not start."""
    path = DATA_DIR / "stack.env"
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _secret_key() -> str:
    """SECRET_KEY from the environment, or in development the one kept in the data dir.

    `<data>/secret_key` is used only in development: `make run` and `python -m
    portal.stack exec` pass it on as SECRET_KEY, PORTAL_DEBUG=1 and the tests read
    it directly. A server with DEBUG off and no SECRET_KEY refuses to start, even
    where a development key was once made: it must never quietly sign with that.
    """
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. In development, `make run` keeps "
            "one in the data directory; PORTAL_DEBUG=1 uses it for other commands."
        )
    return local_secret_key(DATA_DIR)


# Off unless asked for: a server error must never show Django's debug page
# (settings, environment, source) to whoever triggered it.
DEBUG = env_bool("PORTAL_DEBUG", default=False)
TESTING = env_bool("PORTAL_TESTING", default="pytest" in sys.modules)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

_stack = _stack_env()
DATABASE_URL = env_str("DATABASE_URL") or _stack.get("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL") or _stack.get("REDIS_URL")
if not DATABASE_URL or not REDIS_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL and REDIS_URL are not set and no embedded stack is running. "
        "Start the portal with `make run`, run a command inside the embedded stack with "
        "`.venv/bin/python -m portal.stack exec -- <command>`, or set both variables."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: an employee's profile language beats the browser's.
    "governance.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A database or Redis outage raised by a view becomes 503 + Retry-After.
    "governance.middleware.ServiceUnavailableMiddleware",
    # Last, so that it turns a lockout flagged during authentication into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "governance.views.context.portal_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
# Pages run short queries whose row estimates at scale pass the JIT threshold; compiling
# them cost 60+ ms per statement, more than the query itself.
# Added to whatever `options` DATABASE_URL gives (a statement_timeout, say), not instead.
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = " ".join(filter(None, [_db_options.get("options"), "-c jit=off"]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# The lockout check comes first and refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "governance.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# The portal's languages: pages, emails, API errors and notice texts. The
# company default (PORTAL_LANGUAGE) is what a notice falls back to and what a
# visitor sees when neither their profile nor their browser names one of these.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LANGUAGE_CODE = env_str("PORTAL_LANGUAGE", "en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"PORTAL_LANGUAGE must be one of {', '.join(dict(LANGUAGES))}")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Pages: the employee's profile language, else the switch's cookie, else the browser's
# Accept-Language, else LANGUAGE_CODE; the API: Accept-Language, else LANGUAGE_CODE
# (governance.middleware.LanguageMiddleware). The cookie is read by the server only.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Dates in each language's own order and names; in English the ones the pages have
# always shown (2026-11-30, with seconds where evidence needs them): portal/formats/.
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "governance" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Access packages: a folder under the data directory; in production any Django
    # storage backend (e.g. django-storages' S3Boto3Storage) by EXPORTS_STORAGE_BACKEND.
    "exports": {
        "BACKEND": env_str(
            "EXPORTS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": {"location": str(DATA_DIR / "exports")}
        if not env_str("EXPORTS_STORAGE_BACKEND")
        else {},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Whitenoise serves /static/ with DEBUG on or off. A server (and `make run`,
# which runs collectstatic before it starts gunicorn) serves the collected
# STATIC_ROOT; development and tests serve straight from the apps' folders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG

# Security: secure by default; relaxed for plain HTTP only by PORTAL_DEBUG, the
# tests, or explicit values (`make run` sets them for http://127.0.0.1).
_PLAIN_HTTP = DEBUG or TESTING
BEHIND_PROXY = env_bool("BEHIND_PROXY")
# How many proxies of ours append to X-Forwarded-For; the address the outermost
# one saw is the client's (anything further left is what the client claimed).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not _PLAIN_HTTP)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not _PLAIN_HTTP)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if _PLAIN_HTTP else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not _PLAIN_HTTP
SECURE_HSTS_PRELOAD = not _PLAIN_HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response: scripts, styles and everything
# else from this portal only, nothing inline. The one inline script, the API
# docs' Swagger UI set-up (templates/drf_spectacular/swagger_ui.html), runs by
# a per-request nonce, which appears in the header only on pages that use it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login throttling (django-axes). After LOGIN_FAILURE_LIMIT failed logins for one
# username (from any address), or from one address (for any username), logins for
# that username and from that address are refused for LOGIN_COOLOFF_MINUTES, even
# with the right password. /accounts/login/ and the admin login both authenticate
# through AUTHENTICATION_BACKENDS, so both are covered. Each lockout is audited.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The cool-off runs from the lockout: attempts while locked out (the owner's own
# retries, with the right password or not) do not push its end further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "governance.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "governance.auth.lockout_response"
# Failed attempts are what throttling needs; a second log of every successful login
# (address, browser) would be personal data kept for no purpose here: the audit
# chain records each login with its network only (governance.auth).
AXES_DISABLE_ACCESS_LOG = True
# Log lines name only what a lockout is about (username, address), not the browser.
AXES_VERBOSE = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["governance.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "governance.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "governance.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # ASCII JSON with \u escapes: an answer that echoes what it was sent (an unknown
    # key, a bad choice) cannot fail to encode, even for a lone surrogate.
    "UNICODE_JSON": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Interaction Data Governance Portal API",
    "DESCRIPTION": "Consent, catalogue, notices, devices and audit for interaction capture; "
    "data subject requests (access, portable copy, erasure, rectification, restriction, "
    "objection) on the legal clock, and the download packages that answer them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from this portal, never from a CDN: the docs work offline and leak no visits.
    "SWAGGER_UI_DIST": "SIDECAR",
    # A deep link inside each operation's toggle button would nest a link in a button,
    # which screen readers and keyboards cannot reach (WCAG 4.1.2).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `state` of their own choices; each enum is named for its model.
    "ENUM_NAME_OVERRIDES": {
        "DatasetSnapshotStateEnum": "governance.models.datasets.DatasetSnapshot.State",
    },
    # Every operation documents the 400/403/404 DRF can answer (governance.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "governance.api.schema.document_error_responses",
    ],
}

# Celery: Redis broker; tasks survive a killed worker and are never lost to an
# early ack. Job state lives in PostgreSQL, so redelivery is always safe.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600)
CELERY_BROKER_URL = REDIS_URL.replace("unix://", "redis+socket://", 1)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A running erasure step keeps going when Redis drops: its progress is in PostgreSQL,
# its lease stops anyone else, and a repeat of the task would find nothing to claim.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ["ingest", "erasure", "exports", "default"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# Erasure: batches are sized by time (each aims to commit within ERASURE_BATCH_MS,
# which bounds how long a hold placement waits for the batch in flight) and never
# delete more than ERASURE_BATCH_SIZE rows; how long a step's claim lasts without
# progress before the reconciler hands it to another worker.
ERASURE_BATCH_MS = env_int("ERASURE_BATCH_MS", 500)
ERASURE_BATCH_SIZE = env_int("ERASURE_BATCH_SIZE", 1_000_000)
ERASURE_LEASE_SECONDS = env_int("ERASURE_LEASE_SECONDS", 5 * 60)
# How many connections one erasure step deletes on at once (the events store's lanes:
# stretches of days, each erased and verified on its own); 1 runs them one by one.
ERASURE_LANES = env_int("ERASURE_LANES", 2)

# A legal hold is due for review this many days after it is placed (editable per hold);
# legal is mailed once when a review date passes.
LEGAL_HOLD_REVIEW_DAYS = env_int("LEGAL_HOLD_REVIEW_DAYS", 180)

WORKER_HEARTBEAT_KEY = "portal:worker:heartbeat"
WORKER_HEARTBEAT_INTERVAL = env_int("WORKER_HEARTBEAT_INTERVAL", 5)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 30)

# Consent receipts are signed with Ed25519. The seed defaults to one derived
# from SECRET_KEY so development needs no extra secret; production sets its own.
RECEIPT_SIGNING_KEY = env_str("RECEIPT_SIGNING_KEY")
# The same key signs the audit chain's head every AUDIT_CHECKPOINT_MINUTES (a checkpoint).
AUDIT_CHECKPOINT_MINUTES = env_int("AUDIT_CHECKPOINT_MINUTES", 60)

# Ingestion. Window titles are stored only as a keyed hash (key defaults from SECRET_KEY).
WINDOW_TITLE_HASH_KEY = env_str("WINDOW_TITLE_HASH_KEY")
INGEST_DEFAULT_PURPOSE = env_str("INGEST_DEFAULT_PURPOSE", "train-computer-use-models")
INGEST_QUOTA_EVENTS_PER_MINUTE = env_int("INGEST_QUOTA_EVENTS_PER_MINUTE", 600_000)
# Events dated more than INGEST_MAX_AGE seconds ago or more than INGEST_MAX_SKEW seconds
# ahead (a wrong device clock) are dropped as `out_of_range_time`.
INGEST_MAX_AGE = env_int("INGEST_MAX_AGE", 7 * 24 * 3600)
INGEST_MAX_SKEW = env_int("INGEST_MAX_SKEW", 5 * 60)
# How often capture devices are told to ask for their capture policy again: a scope
# withdrawn stops being sent within this many seconds (the gate refuses it at once).
INGEST_POLICY_POLL_SECONDS = max(env_int("INGEST_POLICY_POLL_SECONDS", 60), 1)
# Seconds a session's typed-text tail (for redaction across batches) outlives its last
# batch: the next batch of a session comes within seconds; 10 minutes covers a retry.
INGEST_TYPED_TAIL_SECONDS = max(env_int("INGEST_TYPED_TAIL_SECONDS", 10 * 60), 1)

# The data controller named on every consent receipt.
CONTROLLER = {
    "piiController": env_str("CONTROLLER_NAME", "Example Corp"),
    "contact": env_str("CONTROLLER_CONTACT", "Privacy Office"),
    "address": env_str("CONTROLLER_ADDRESS", "1 Example Street, 10115 Berlin, Germany"),
    "email": env_str("CONTROLLER_EMAIL", "privacy@example.com"),
    "phone": env_str("CONTROLLER_PHONE", "+49 30 000000"),
}
# The data protection officer's contact, which a new notice draft starts from.
DPO_CONTACT = env_str("DPO_CONTACT", "Data Protection Officer, dpo@example.com")
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# The record of processing activities (Art. 30) takes from the catalogue what it holds;
# these three it does not. Lists are separated by ";" (entries may contain commas).
PROCESSING_LAWFUL_BASIS = env_str(
    "PROCESSING_LAWFUL_BASIS",
    "Consent of the employee (GDPR Art. 6(1)(a), Art. 7), per purpose, application and data "
    "kind, withdrawable at any time",
)
PROCESSING_RECIPIENTS = [
    item.strip()
    for item in env_str(
        "PROCESSING_RECIPIENTS",
        f"{CONTROLLER['piiController']}: its privacy office, and the teams that train "
        "computer-use models, from consented dataset snapshots only",
    ).split(";")
    if item.strip()
]
PROCESSING_TRANSFERS = [
    item.strip() for item in env_str("PROCESSING_TRANSFERS", "").split(";") if item.strip()
]

# Data subject requests. Rejections name the supervisory authority the person may
# complain to; packages of a person's data expire after EXPORT_TTL_DAYS; assignees are
# reminded of requests due within REQUEST_REMINDER_DAYS.
SUPERVISORY_AUTHORITY = {
    "name": env_str(
        "SUPERVISORY_AUTHORITY_NAME",
        "Berlin Commissioner for Data Protection and Freedom of Information",
    ),
    "url": env_str("SUPERVISORY_AUTHORITY_URL", "https://www.datenschutz-berlin.de/"),
}
# UK GDPR and CPRA have authorities of their own; the GDPR's is the one above.
SUPERVISORY_AUTHORITIES = {
    "gdpr": SUPERVISORY_AUTHORITY,
    "uk_gdpr": {
        "name": env_str("SUPERVISORY_AUTHORITY_UK_NAME", "Information Commissioner's Office (ICO)"),
        "url": env_str("SUPERVISORY_AUTHORITY_UK_URL", "https://ico.org.uk/make-a-complaint/"),
    },
    "cpra": {
        "name": env_str("SUPERVISORY_AUTHORITY_CPRA_NAME", "California Privacy Protection Agency"),
        "url": env_str("SUPERVISORY_AUTHORITY_CPRA_URL", "https://cppa.ca.gov/"),
    },
}
EXPORT_TTL_DAYS = env_int("EXPORT_TTL_DAYS", 30)
# Consent evidence: the IP address and user agent of a consent change are kept this many
# days, then minimised (the receipt, built from the other fields, is unchanged); a
# leaver's consent evidence stops naming them EVIDENCE_RETENTION_DAYS (6 years, a
# limitation period) after they left.
CONSENT_NETWORK_DATA_DAYS = max(env_int("CONSENT_NETWORK_DATA_DAYS", 365), 0)
EVIDENCE_RETENTION_DAYS = max(env_int("EVIDENCE_RETENTION_DAYS", 6 * 365), 0)
# Legal reports: kept REPORT_TTL_DAYS after they are built; a period of at most
# REPORT_MAX_DAYS (three years and a day: a limitation period plus leap days); a PDF's
# table shows at most REPORT_PDF_MAX_ROWS rows (CSV and JSON Lines hold every row).
REPORT_TTL_DAYS = env_int("REPORT_TTL_DAYS", 90)
REPORT_MAX_DAYS = env_int("REPORT_MAX_DAYS", 3 * 366)
REPORT_PDF_MAX_ROWS = env_int("REPORT_PDF_MAX_ROWS", 5000)
REQUEST_REMINDER_DAYS = env_int("REQUEST_REMINDER_DAYS", 7)
# Training datasets: Parquet shards under DATASETS_URL (any fsspec URL; a folder under the
# data directory by default), DATASET_SHARD_ROWS rows a shard; a snapshot expires through
# retention DATASET_TTL_DAYS after it is ready.
DATASETS_URL = env_str("DATASETS_URL") or (DATA_DIR / "datasets").resolve().as_uri()
DATASET_SHARD_ROWS = max(env_int("DATASET_SHARD_ROWS", 100_000), 1)
DATASET_TTL_DAYS = max(env_int("DATASET_TTL_DAYS", 180), 1)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", CONTROLLER["email"])

# Aggregates over fewer people than this are suppressed (no detriment).
MIN_GROUP_SIZE = env_int("MIN_GROUP_SIZE", 5)
# The consent aggregates pages show are counted again once older than this; beat
# recounts every 30 s those past half of it.
CONSENT_AGGREGATES_MAX_AGE = env_int("CONSENT_AGGREGATES_MAX_AGE", 60)
# Consent older than CONSENT_MAX_AGE_DAYS expires (the person is asked to renew it);
# data recorded under a lapsed or expired consent is kept CONSENT_LAPSE_GRACE_DAYS for
# the person to consent again, then erased as after a withdrawal. Both are clamped to a
# century so date arithmetic on them cannot overflow.
CONSENT_MAX_AGE_DAYS = min(max(1, env_int("CONSENT_MAX_AGE_DAYS", 365)), 36_600)
CONSENT_LAPSE_GRACE_DAYS = min(max(0, env_int("CONSENT_LAPSE_GRACE_DAYS", 30)), 36_600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
