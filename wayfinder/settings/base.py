"""Settings shared by every environment.

Every value that differs between machines comes from an environment variable,
read with django-environ. The defaults give the embedded mode used by
``make run``: SQLite and SqliteHuey under ``var/``, filesystem storage,
database search and no LLM. Setting a variable switches to the real service.
"""

from __future__ import annotations

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
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
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
        "consumer": {"workers": 2, "worker_type": "thread", "flush_locks": True},
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

LOGIN_URL = "wagtailadmin_login"

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
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    # Closed by default; the public catalog viewsets open reads explicitly.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "wayfinder.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # ``format`` is a resource filter (video, article...), not a renderer choice.
    "URL_FORMAT_OVERRIDE": None,
    # Every error, DRF's own included, as {"error": {code, message, fields}}.
    "EXCEPTION_HANDLER": "wayfinder.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wayfinder API",
    "DESCRIPTION": (
        "Wayfinder's REST API. The catalog is public and read-only. Every "
        'error is `{"error": {"code", "message", "fields"}}` (the Error schema).'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Wagtail's admin API would otherwise be described too (and warn).
    "PREPROCESSING_HOOKS": ["wayfinder.api.spectacular_only_api_paths"],
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
