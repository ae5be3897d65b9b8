"""replyqueue settings: one module, every value from the environment with a safe default."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from replyqueue.core.env import env, env_bool, env_float, env_int, env_list, local_secret_key
from replyqueue.observability.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY") or local_secret_key(VAR_DIR)
# Rotation: the previous keys, comma-separated; sessions, password-reset links and credentials
# made with them stay valid until they are dropped from here (docs/operations.md).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "accounts",
    "replyqueue.core",
    "replyqueue.comments",
    "replyqueue.clone",
    "replyqueue.inbox",
    "replyqueue.publishing",
    "replyqueue.integrations",
    "replyqueue.health",
    "replyqueue.privacy",
    "replyqueue.observability",
]

MIDDLEWARE = [
    # First: every log line of the request, and every task it enqueues, carries its id.
    "replyqueue.observability.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself, DEBUG on or off (behind any proxy or CDN in production).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "replyqueue.core.api.middleware.ApiBodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language, or the cookie the language switch sets) for everyone;
    # UserLanguageMiddleware then lets a logged-in user's own choice win and keeps the API in English.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.BrowserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.CurrentCreatorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "replyqueue.urls"
WSGI_APPLICATION = "replyqueue.wsgi.application"

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
                "accounts.context_processors.current_creator",
                "replyqueue.comments.context_processors.channel_notices",
            ],
            # Display words for the shared vocabulary (states, categories, roles): {% load labels %}.
            "libraries": {"labels": "replyqueue.vocabulary"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and a worker write at once: WAL, a busy timeout and immediate
    # transactions keep "database is locked" away.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one account from
# one address, that pair is locked out for LOGIN_COOLOFF_MINUTES (429); a success resets the
# count. Keyed on the pair, so an attacker cannot lock a person out from everywhere.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/inbox/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en"
# Each language is named in itself: a person looking for theirs reads it in the switch.
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# `collectstatic` writes hashed, compressed copies and a manifest; with DEBUG off every
# {% static %} resolves through that manifest, so run collectstatic before starting the web
# process (the Dockerfile does). Hashed files are served with a far-future Cache-Control.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and SITE_URL.startswith("https"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS. Off by default so the loopback run works over http; production behind a TLS proxy sets
# SECURE_PROXY_SSL_HEADER=1 (trust X-Forwarded-Proto from that proxy only), SECURE_SSL_REDIRECT=1
# and SECURE_HSTS_SECONDS=31536000. Health checks stay reachable over plain http.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", False) else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline code, no eval (htmx is configured not to need it, see base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Mail: printed to the console only in DEBUG (a local run shows invitation links there); in
# production it goes out over SMTP, so invitation links never land in the logs.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "replyqueue <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Request bodies: the API refuses anything larger with 413 before parsing it.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 4 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.authentication.HasCreatorToken"],
    "DEFAULT_PARSER_CLASSES": ["replyqueue.core.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "replyqueue.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "replyqueue.core.api.errors.json_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["replyqueue.core.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_THROTTLE_RATE", "600/min")},
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "replyqueue API",
    "DESCRIPTION": "Push fan comments in, review drafted replies, receive approved replies.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
if env("CACHE_URL"):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL")}

# Celery. The embedded default is kombu's filesystem transport: a real broker that needs no
# server. Production sets CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "control_folder": str(BROKER_DIR / "control"),  # kombu's default is ./control in the working directory
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
# Parallel test processes (pytest-xdist) each start their own workers against their own test
# database: each gets its own queue, or one's worker would take the other's tasks.
_TEST_PROCESS = os.environ.get("PYTEST_XDIST_WORKER")
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", f"celery-{_TEST_PROCESS}" if _TEST_PROCESS else "celery")
# beat's schedule: under VAR_DIR, not ./celerybeat-schedule in whatever directory beat starts in
CELERY_BEAT_SCHEDULER = "replyqueue.celery:Scheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_BEAT_SCHEDULE = {
    "sweep": {"task": "replyqueue.publishing.tasks.sweep", "schedule": env_float("SWEEP_INTERVAL", 5.0)},
    "sweep-drafting": {"task": "replyqueue.inbox.tasks.sweep_drafting", "schedule": env_float("SWEEP_INTERVAL", 5.0)},
    "heartbeat": {"task": "replyqueue.health.tasks.heartbeat", "schedule": env_float("HEARTBEAT_INTERVAL", 15.0)},
    "sweep-comment-times": {
        "task": "replyqueue.integrations.meta.tasks.sweep_comment_times",
        "schedule": env_float("COMMENT_TIME_SWEEP_INTERVAL", 60.0),
    },
    "check-meta-tokens": {
        "task": "replyqueue.integrations.meta.tasks.check_meta_tokens",
        "schedule": env_float("META_TOKEN_CHECK_INTERVAL", 6 * 3600.0),
    },
    "daily-digest": {
        "task": "replyqueue.inbox.tasks.send_digests",
        "schedule": crontab(hour=env_int("DIGEST_HOUR_UTC", 7), minute=0),
    },
    "apply-retention": {
        "task": "replyqueue.privacy.tasks.apply_retention",
        "schedule": env_float("RETENTION_INTERVAL", 3600.0),
    },
    "poll-youtube": {
        "task": "replyqueue.integrations.youtube.tasks.poll_youtube_channels",
        "schedule": env_float("YOUTUBE_POLL_INTERVAL", 120.0),
    },
}

# Privacy (replyqueue/privacy/retention.py): fan comments and decision texts older than this many days
# are redacted by beat every RETENTION_INTERVAL seconds, work in progress excepted; 0 keeps them.
RETENTION_DAYS = env_int("RETENTION_DAYS", 0)

# /readyz: a worker heartbeat older than this means not ready; each probe waits this long at most.
READY_HEARTBEAT_MAX_AGE = env_float("READY_HEARTBEAT_MAX_AGE", 60.0)
READY_CHECK_TIMEOUT = env_float("READY_CHECK_TIMEOUT", 2.0)

# The clone
DRAFTER = env("DRAFTER", "grounded")
OPENAI_BASE_URL = env("OPENAI_BASE_URL", "https://api.openai.com/v1")
OPENAI_API_KEY = env("OPENAI_API_KEY")
OPENAI_MODEL = env("OPENAI_MODEL", "gpt-4o-mini")
OPENAI_TIMEOUT = env_float("OPENAI_TIMEOUT", 30.0)
EMBEDDER = env("EMBEDDER", "local")  # local: multilingual USE shipped with its package; openai: /v1/embeddings
OPENAI_EMBEDDING_MODEL = env("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small")

# Publishing
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
PUBLISH_MAX_ATTEMPTS = env_int("PUBLISH_MAX_ATTEMPTS", 8)
PUBLISH_BACKOFF_BASE = env_float("PUBLISH_BACKOFF_BASE", 2.0)
PUBLISH_BACKOFF_CAP = env_float("PUBLISH_BACKOFF_CAP", 600.0)
PUBLISH_TIMEOUT = env_float("PUBLISH_TIMEOUT", 10.0)
STALE_CLAIM_SECONDS = env_int("STALE_CLAIM_SECONDS", 300)
# A publish task claims up to this many due publications of one connector and channel and sends
# them at once, one thread each (docs/publishing.md, "Concurrency").
PUBLISH_BATCH_SIZE = env_int("PUBLISH_BATCH_SIZE", 8)
# Comments drafted per task: a burst is embedded in one batch and the creator's setup read once.
DRAFT_BATCH_SIZE = env_int("DRAFT_BATCH_SIZE", 32)
LOST_TASK_SECONDS = env_int("LOST_TASK_SECONDS", 60)
# Each worker process beats every WORKER_HEARTBEAT_INTERVAL; a claim held by a worker silent for
# WORKER_DEAD_SECONDS is released by the next sweep (core/workers.py), not after STALE_CLAIM_SECONDS.
WORKER_HEARTBEAT_INTERVAL = env_float("WORKER_HEARTBEAT_INTERVAL", 5.0)
WORKER_DEAD_SECONDS = env_float("WORKER_DEAD_SECONDS", 20.0)
WEBHOOK_SECRET_GRACE_HOURS = env_float("WEBHOOK_SECRET_GRACE_HOURS", 24.0)
# Webhook delivery (Standard Webhooks): only 2xx is success; every other answer is retried on this
# schedule (seconds, with jitter; the last delay repeats) until WEBHOOK_MAX_ATTEMPTS or
# WEBHOOK_MAX_RETRY_HOURS; 410 Gone disables the endpoint. Redirects are never followed.
WEBHOOK_RETRY_SCHEDULE = [float(s) for s in env_list("WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000")]
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 12)
WEBHOOK_MAX_RETRY_HOURS = env_float("WEBHOOK_MAX_RETRY_HOURS", 72.0)
WEBHOOK_TIMEOUT = env_float("WEBHOOK_TIMEOUT", 15.0)  # Standard Webhooks: 15 to 30 s
# SSRF guard (replyqueue/core/netguard.py): private, loopback, link-local, multicast and reserved
# destinations are refused unless this is on; plain http only where private networks are allowed.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", DEBUG)
WEBHOOK_REQUIRE_HTTPS = env_bool("WEBHOOK_REQUIRE_HTTPS", not WEBHOOK_ALLOW_PRIVATE_NETWORKS)

# Platform connectors (a channel's base_url overrides the API host, e.g. for a proxy or a test fake)
META_GRAPH_URL = env("META_GRAPH_URL", "https://graph.facebook.com")
META_GRAPH_VERSION = env("META_GRAPH_VERSION", "v24.0")
# How long a Meta channel waits after a throttle without an estimate (Platform limits: a rolling hour).
META_THROTTLE_FALLBACK_SECONDS = env_float("META_THROTTLE_FALLBACK_SECONDS", 900.0)
# A channel whose access token expires within this many days shows a notice on every page and its
# owners get one email (integrations/meta/tokens.py, beat task check-meta-tokens).
TOKEN_WARN_DAYS = env_int("TOKEN_WARN_DAYS", 7)
# Instagram comment times read from Graph (integrations/meta/comment_time.py): the beat sweep wakes
# at most COMMENT_TIME_SWEEP_LIMIT due lookups a run, COMMENT_TIME_TASK_SIZE to a task (each lookup
# may wait PUBLISH_TIMEOUT, so a task stays well inside CELERY_TASK_SOFT_TIME_LIMIT).
COMMENT_TIME_SWEEP_LIMIT = env_int("COMMENT_TIME_SWEEP_LIMIT", 200)
COMMENT_TIME_TASK_SIZE = env_int("COMMENT_TIME_TASK_SIZE", 10)
YOUTUBE_API_URL = env("YOUTUBE_API_URL", "https://www.googleapis.com")
YOUTUBE_TOKEN_URL = env("YOUTUBE_TOKEN_URL", "https://oauth2.googleapis.com/token")
YOUTUBE_DAILY_QUOTA = env_int("YOUTUBE_DAILY_QUOTA", 10_000)  # per Google Cloud project and Pacific day
YOUTUBE_PROJECT = env("YOUTUBE_PROJECT", "default")  # the project channels without a client_id count against
YOUTUBE_REPLY_RESERVE = env_int("YOUTUBE_REPLY_RESERVE", 1_000)  # units polling leaves for replies (20 replies)
YOUTUBE_FIRST_POLL_PAGES = env_int("YOUTUBE_FIRST_POLL_PAGES", 3)

# Logs (replyqueue/observability/logs.py): one JSON object a line with request_id and task_id
# (LOG_FORMAT=json, the default with DEBUG off) or plain text with the same ids (LOG_FORMAT=text).
LOG_FORMAT = env("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", "INFO"))
# Workers log through the same handlers (and so the same format) instead of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Prometheus metrics at /metrics (replyqueue/observability/metrics.py): off (404) unless
# METRICS_TOKEN is set; scrapers send "Authorization: Bearer <METRICS_TOKEN>". Latency histograms
# cover the work finished in the last METRICS_WINDOW_SECONDS.
METRICS_TOKEN = env("METRICS_TOKEN")
METRICS_WINDOW_SECONDS = env_float("METRICS_WINDOW_SECONDS", 300.0)
