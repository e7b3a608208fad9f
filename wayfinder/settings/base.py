"""Settings shared by every environment.

Every value that differs between machines comes from an environment variable,
read with django-environ. The defaults give the embedded mode used by
``make run``: SQLite and SqliteHuey under ``var/``, filesystem storage,
database search and no LLM. Setting a variable switches to the real service.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env (never committed; .env.example lists every variable) fills in
# what the real environment does not set: the environment always wins.
ENV_FILE = Path(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    env.read_env(ENV_FILE, overwrite=False)

# Local state of the embedded mode: the SQLite database, the SqliteHuey file,
# collected static files and uploads, unless their own variables point elsewhere.
VAR_DIR = Path(env.str("DJANGO_VAR_DIR", default="") or BASE_DIR / "var")

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "wayfinder",
    "home",
    "taxonomy",
    "catalog",
    "learners",
    "planner",
    "roadmaps",
    "search",
    "sources",
    "embeddings",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_htmx",
    "js_lib_htmx",
    "template_partials",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "guardian",
    "axes",
    "allauth",
    "allauth.account",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "huey.contrib.djhuey",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver leaves static files to WhiteNoise, as in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "wayfinder.middleware.RequestIDMiddleware",
    # 503 with Retry-After, not 500, while the database cannot be reached.
    "wayfinder.error_pages.DatabaseUnavailableMiddleware",
    # 413 for API bodies past API_MAX_BODY_BYTES, before anything reads them.
    "wayfinder.limits.BodySizeLimitMiddleware",
    # Before anything that could pass a NUL byte on to the database.
    "wayfinder.middleware.InvalidCharactersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The image serves its own static files; no proxy is required.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Learners opening /admin/ go to My roadmaps instead of Wagtail's refusal.
    "wayfinder.admin_access.LearnersOutOfAdminMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # django-allauth's per-request state (login flows, its htmx answers).
    "allauth.account.middleware.AccountMiddleware",
    # Last: it turns a lockout raised by any login into its answer.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: a locked-out account or address is refused before the password
    # is even checked (docs/api.md, "Login protection").
    "axes.backends.AxesStandaloneBackend",
    # Usernames: the curators' sign-in to the Wagtail admin and API tokens.
    "django.contrib.auth.backends.ModelBackend",
    # Email addresses: the learners' sign-in on the site (django-allauth).
    "allauth.account.auth_backends.AuthenticationBackend",
    # Object permissions: the roadmaps a learner shared with a partner.
    "guardian.backends.ObjectPermissionBackend",
]

ROOT_URLCONF = "wayfinder.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "wayfinder.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", 0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # Reads a Redis outage as a miss (wayfinder/cache.py); the short
            # timeouts keep a Redis that hangs from holding requests.
            "BACKEND": "wayfinder.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "wayfinder",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "wayfinder",
        }
    }

HUEY_NAME = env.str("HUEY_NAME", default="wayfinder")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": HUEY_NAME,
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread", "flush_locks": True},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": HUEY_NAME,
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        # An idle consumer polls the SQLite queue less and less often (up to
        # every 10 s by default), so a learner's first plan after a quiet spell
        # waited seconds in the queue: poll at least every half second.
        "consumer": {
            "workers": 2,
            "worker_type": "thread",
            "flush_locks": True,
            "max_delay": 0.5,
        },
    }

# A fresh clone has no var/: create it when a file in it is about to be
# opened (the SQLite database, the SqliteHuey queue), or the first
# ``manage.py migrate`` fails with "unable to open database file".
_VAR_FILES = [
    DATABASES["default"]["NAME"] if "sqlite" in DATABASES["default"]["ENGINE"] else "",
    HUEY.get("filename", ""),
]
if any(Path(f).resolve().parent == VAR_DIR.resolve() for f in _VAR_FILES if f):
    VAR_DIR.mkdir(parents=True, exist_ok=True)

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
    # Roadmap exports: outside MEDIA_ROOT, never served publicly; downloads go
    # through a signed view, or presigned URLs on S3 (docs/export-contract.md).
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(env.path("EXPORTS_ROOT", default=VAR_DIR / "exports")),
        },
    },
}


def s3_exports_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    access_key: str = "",
    secret_key: str = "",
    region: str = "",
) -> dict:
    """``STORAGES["exports"]`` on an S3-compatible bucket: private objects,
    presigned SigV4 URLs of at most 15 minutes, content-named files never
    overwritten. Empty credentials leave boto3 its own chain (IAM roles)."""
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "region_name": region or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 900,
            "file_overwrite": False,
            # Given a client_config, django-storages ignores its own
            # addressing_style and signature_version: they are set here. Boto3
            # sends CRC32 checksums by default, which not every S3-compatible
            # server (moto, older MinIO) accepts; S3 does not need them.
            "client_config": Config(
                s3={"addressing_style": "path"},
                signature_version="s3v4",
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }


AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["exports"] = s3_exports_storage(
        bucket=AWS_STORAGE_BUCKET_NAME,
        endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=""),
        access_key=env.str("AWS_ACCESS_KEY_ID", default=""),
        secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=""),
        region=env.str("AWS_S3_REGION_NAME", default=""),
    )
# Seconds an export's download link lives; 900 (15 minutes) at most.
EXPORT_URL_MAX_AGE = env.int("EXPORT_URL_MAX_AGE", default=900)

# The site's sign-in (django-allauth) for every page but the Wagtail admin,
# which keeps its own (WAGTAILADMIN_LOGIN_URL, "wagtailadmin_login").
LOGIN_URL = "account_login"
# "My roadmaps", unless a safe ``?next=`` says otherwise.
LOGIN_REDIRECT_URL = "/roadmaps/"
LOGOUT_REDIRECT_URL = "/"

# Accounts (django-allauth, docs/accounts.md). Learners sign up and in with
# their email address; Django's user model keeps its ``username`` column,
# which allauth fills in from the address (nobody has to pick one).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Wayfinder] "
# Confirming an address while signed in lands on the account page, which
# shows the confirmation.
ACCOUNT_EMAIL_CONFIRMATION_AUTHENTICATED_REDIRECT_URL = "/accounts/"
ACCOUNT_ADAPTER = "learners.adapter.AccountAdapter"
# django-axes owns failed sign-ins (AXES_* below): allauth's own limit on
# them would answer first with a different message, so it is off. allauth's
# other limits (sign-ups, reset emails per address and per IP) stay on.
ACCOUNT_RATE_LIMITS = {"login_failed": None}

# Email: printed to the console unless EMAIL_HOST names an SMTP server
# (docs/accounts.md, "Email"); EMAIL_BACKEND overrides both.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Wayfinder <no-reply@localhost>"
)
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

WAGTAIL_SITE_NAME = "Wayfinder"
# No gravatar: the admin works offline and leaks no curator's email hash.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = env.str(
    "WAGTAILADMIN_BASE_URL", default="http://localhost:8000"
)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = [
    "csv",
    "docx",
    "key",
    "odt",
    "pdf",
    "pptx",
    "rtf",
    "txt",
    "xlsx",
    "zip",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so a missing or bad credential on a private endpoint answers
        # 401 with ``WWW-Authenticate: Bearer`` (DRF asks the first class for
        # the header; with none it answers 403). On a public read a bad token
        # counts as no token (docs/api.md, "Authentication").
        "wayfinder.auth.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Closed by default; the public catalog viewsets open reads explicitly.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every request counts against the anonymous or the user rate; a view
    # naming a ``throttle_scope`` also against that scope's stricter rate.
    "DEFAULT_THROTTLE_CLASSES": [
        "wayfinder.throttles.AnonRateThrottle",
        "wayfinder.throttles.UserRateThrottle",
        "wayfinder.throttles.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON_RATE", default="120/minute"),
        "user": env.str("THROTTLE_USER_RATE", default="600/minute"),
        "token": env.str("THROTTLE_TOKEN_RATE", default="10/minute"),
        "planning": env.str("THROTTLE_PLANNING_RATE", default="30/hour"),
        "regenerate": env.str("THROTTLE_REGENERATE_RATE", default="10/hour"),
        "export": env.str("THROTTLE_EXPORT_RATE", default="30/hour"),
    },
    "NUM_PROXIES": env.int("PROXY_COUNT", default=0) or None,
    "DEFAULT_PAGINATION_CLASS": "wayfinder.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # ``format`` is a resource filter (video, article...), not a renderer choice.
    "URL_FORMAT_OVERRIDE": None,
    # Every error, DRF's own included, as {"error": {code, message, fields}}.
    "EXCEPTION_HANDLER": "wayfinder.api_errors.api_exception_handler",
}
# The throttles' history lives in the default cache under this prefix (the
# tests give each throttle test its own).
API_THROTTLE_KEY_PREFIX = "throttle"
# Request bodies to the REST API past this many bytes answer 413. Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB) stays the limit of the site's forms.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)


def jwt_signing_key(secret_key: str) -> str:
    """A 64-character key for signing JWTs, derived from ``secret_key``:
    PyJWT wants 32 bytes at least, and rotating SECRET_KEY retires every
    token with the sessions."""
    return hmac.new(
        secret_key.encode(), b"wayfinder.jwt.signing-key", hashlib.sha256
    ).hexdigest()


# Empty: derived from SECRET_KEY (test.py derives it again from its own).
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", 7)),
    # A refresh answers a new refresh token and retires the one it used.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY or jwt_signing_key(SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Hands django-axes the HttpRequest, so a locked-out caller gets 429.
    "TOKEN_OBTAIN_SERIALIZER": "wayfinder.auth.TokenObtainPairSerializer",
}

# django-axes: AUTHENTICATION_BACKENDS and MIDDLEWARE above. Failures are
# kept in the database (its default handler): it needs no Redis, so the
# embedded mode is protected too; the lock survives restarts; the admin lists
# the attempts; and ``manage.py axes_reset*`` unlock (docs/api.md).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# One account from one address: a guesser cannot lock the owner out from
# elsewhere, and spreading guesses over accounts meets the throttles.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True


def axes_username(request, credentials: dict | None) -> str | None:
    """The account a sign-in names, for django-axes: the username (the admin,
    API tokens) or the email address (the site, lower-cased as allauth finds
    accounts, so "A@x.org" and "a@x.org" count as one)."""
    credentials = credentials or {}
    if credentials.get("username"):
        return credentials["username"]
    post = getattr(request, "POST", None) or {}
    email = credentials.get("email") or post.get("login")
    return email.strip().lower() if email else None


AXES_USERNAME_CALLABLE = axes_username
# The API's lockout in the error shape, the site's as a page (wayfinder/auth.py).
AXES_LOCKOUT_CALLABLE = "wayfinder.auth.lockout_response"
# The caller's address is REMOTE_ADDR unless PROXY_COUNT says how many
# proxies of ours append to X-Forwarded-For (read from the right, where a
# client cannot forge it). The throttles read it the same way (NUM_PROXIES).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if PROXY_COUNT else ("REMOTE_ADDR",)
)

SPECTACULAR_SETTINGS = {
    "TITLE": "Wayfinder API",
    "DESCRIPTION": (
        "Wayfinder's REST API. The catalog is public to read and written by "
        "curators; profiles, planning jobs and roadmaps are private to their "
        "owner and the partners a roadmap is shared with. Every "
        'error is `{"error": {"code", "message", "fields"}}` (the Error schema).'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Wagtail's admin API would otherwise be described too (and warn).
    "PREPROCESSING_HOOKS": ["wayfinder.api.spectacular_only_api_paths"],
    # One name per shared enum, wherever a serializer uses it.
    "ENUM_NAME_OVERRIDES": {
        "CostPreferenceEnum": "learners.models.CostPreference",
        "QuestionKindEnum": "planner.domain.types.QuestionKind",
        "CostEnum": "taxonomy.enums.Cost",
        "LinkKindEnum": "taxonomy.enums.LinkKind",
        "PrerequisiteKindEnum": "taxonomy.enums.PrerequisiteKind",
        "LanguageEnum": "taxonomy.enums.Language",
        "AgeRangeEnum": "taxonomy.enums.AgeRange",
        "SharePermissionEnum": ["view_roadmap", "export_roadmap"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "wayfinder.api_errors.spectacular_error_responses",
    ],
}

SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="database")
MEILISEARCH_URL = env.str("MEILISEARCH_URL", default="")
MEILISEARCH_API_KEY = env.str("MEILISEARCH_API_KEY", default="")
MEILISEARCH_INDEX_PREFIX = env.str("MEILISEARCH_INDEX_PREFIX", default="wayfinder")
MEILISEARCH_TIMEOUT = env.float("MEILISEARCH_TIMEOUT", default=2.0)
MEILISEARCH_TASK_TIMEOUT_MS = env.int("MEILISEARCH_TASK_TIMEOUT_MS", default=60_000)
MEILISEARCH_BATCH_SIZE = env.int("MEILISEARCH_BATCH_SIZE", default=1000)

OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
# Total seconds an LLM call may take, retry included (10 at most).
LLM_BUDGET_SECONDS = env.float("LLM_BUDGET_SECONDS", default=10.0)
# Optional embeddings from the same endpoint (docs/embeddings.md): unset, the
# matching is lexical only. Budgets are total seconds per request, retry
# included: a catalog batch in a Huey task, one goal text while a learner waits.
EMBEDDINGS_MODEL = env.str("EMBEDDINGS_MODEL", default="")
EMBEDDINGS_BATCH_SIZE = env.int("EMBEDDINGS_BATCH_SIZE", default=64)
EMBEDDINGS_BUDGET_SECONDS = env.float("EMBEDDINGS_BUDGET_SECONDS", default=30.0)
EMBEDDINGS_QUERY_BUDGET_SECONDS = env.float(
    "EMBEDDINGS_QUERY_BUDGET_SECONDS", default=3.0
)
# Share of the embedding similarity in the blend with the lexical score.
EMBEDDINGS_WEIGHT = env.float("EMBEDDINGS_WEIGHT", default=0.3)

# The catalog health report, cached per catalog version (catalog/reports.py).
CATALOG_REPORT_CACHE = True

PLANNER_LEASE_SECONDS = env.int("PLANNER_LEASE_SECONDS", default=60)
PLANNER_MAX_ATTEMPTS = env.int("PLANNER_MAX_ATTEMPTS", default=3)
PLANNER_QUEUED_STALE_SECONDS = env.int("PLANNER_QUEUED_STALE_SECONDS", default=300)
PLANNER_ENQUEUE_RETRY_SECONDS = env.int("PLANNER_ENQUEUE_RETRY_SECONDS", default=5)
PLANNER_TASK_RETRIES = env.int("PLANNER_TASK_RETRIES", default=3)
PLANNER_TASK_RETRY_DELAY = env.int("PLANNER_TASK_RETRY_DELAY", default=5)
PLANNER_GRAPH_CACHE = env.bool("PLANNER_GRAPH_CACHE", default=bool(REDIS_URL))
# Pickled snapshots above this many bytes (compressed) stay out of the cache.
# Measured: 10k topics / 100k resources pickle to 8.5 MiB and load in about
# 1 s, against about 2 s for a build from PostgreSQL; much larger ones would
# load barely faster than a build and weigh on Redis.
PLANNER_GRAPH_CACHE_MAX_BYTES = env.int(
    "PLANNER_GRAPH_CACHE_MAX_BYTES", default=64 * 1024 * 1024
)
PLANNER_GC_FREEZE = env.bool("PLANNER_GC_FREEZE", default=True)
PLANNER_PHRASER = env.str(
    "PLANNER_PHRASER", default="planner.llm.phraser_from_settings"
)
PLANNER_GOAL_MATCHER = env.str(
    "PLANNER_GOAL_MATCHER", default="planner.goal_search.search_goal_matcher"
)

SENTRY_DSN = env.str("SENTRY_DSN", default="")

# Seconds each /readyz check may take; the checks run at the same time.
READYZ_CHECK_TIMEOUT = env.float("READYZ_CHECK_TIMEOUT", default=0.5)

LINKCHECK = {
    "CONCURRENCY": env.int("LINKCHECK_CONCURRENCY", default=8),
    "PER_HOST_CONCURRENCY": env.int("LINKCHECK_PER_HOST_CONCURRENCY", default=2),
    "TIMEOUT": env.float("LINKCHECK_TIMEOUT", default=10.0),
    "MAX_REDIRECTS": 5,
    "HOST_FAILURE_LIMIT": env.int("LINKCHECK_HOST_FAILURE_LIMIT", default=3),
    "RECHECK_AFTER_HOURS": env.int("LINKCHECK_RECHECK_AFTER_HOURS", default=24),
    # Networks the checker may reach besides public addresses, such as "10.0.0.0/8".
    "ALLOWED_NETWORKS": env.list("LINKCHECK_ALLOWED_NETWORKS", default=[]),
    "USER_AGENT": "WayfinderLinkChecker/1.0 (+https://github.com/wayfinder)",
}

# External sources of candidate resources for curator review (docs/sources.md).
# Connections go through the link checker's egress guard and its
# ALLOWED_NETWORKS; "{language}" in a MediaWiki URL is the wiki's language.
SOURCES = {
    "ENABLED": env.list(
        "SOURCES_ENABLED", default=["openlibrary", "wikibooks", "github", "youtube"]
    ),
    "URLS": {
        "openlibrary": env.str(
            "SOURCE_OPENLIBRARY_URL", default="https://openlibrary.org"
        ),
        "wikibooks": env.str(
            "SOURCE_WIKIBOOKS_URL", default="https://{language}.wikibooks.org"
        ),
        "wikipedia": env.str(
            "SOURCE_WIKIPEDIA_URL", default="https://{language}.wikipedia.org"
        ),
        "github": env.str("SOURCE_GITHUB_URL", default="https://api.github.com"),
        "youtube": env.str("SOURCE_YOUTUBE_URL", default="https://www.googleapis.com"),
    },
    # YouTube is searched only once its key is set.
    "KEYS": {
        "github": env.str("SOURCE_GITHUB_TOKEN", default=""),
        # SOURCE_YOUTUBE_KEY is the earlier name, still read.
        "youtube": env.str(
            "SOURCE_YOUTUBE_API_KEY", default=env.str("SOURCE_YOUTUBE_KEY", default="")
        ),
    },
    "TIMEOUT": env.float("SOURCES_TIMEOUT", default=8.0),
    "BUDGET": env.float("SOURCES_BUDGET", default=60.0),
    "CONCURRENCY": env.int("SOURCES_CONCURRENCY", default=8),
    "PER_HOST_CONCURRENCY": env.int("SOURCES_PER_HOST_CONCURRENCY", default=2),
    "CACHE_SECONDS": env.int("SOURCES_CACHE_SECONDS", default=24 * 3600),
    "BREAKER_FAILURES": env.int("SOURCES_BREAKER_FAILURES", default=3),
    "BREAKER_COOLDOWN": env.float("SOURCES_BREAKER_COOLDOWN", default=600.0),
    "RESULTS_PER_SEARCH": env.int("SOURCES_RESULTS_PER_SEARCH", default=5),
    "GAPS_PER_RUN": env.int("SOURCES_GAPS_PER_RUN", default=20),
    "USER_AGENT": "WayfinderSources/1.0 (+https://github.com/wayfinder)",
    # Cache keys of answers and breakers start with it (the tests give their own).
    "CACHE_PREFIX": "sources",
}

LOG_FORMAT = env.str("LOG_FORMAT", default="console")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")

from wayfinder.logging import build_logging_config  # noqa: E402

LOGGING = build_logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)

if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
