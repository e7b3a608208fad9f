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
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

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
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "wayfinder.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
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
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "wayfinder",
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
}

LOGIN_URL = "wagtailadmin_login"

WAGTAIL_SITE_NAME = "Wayfinder"
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
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wayfinder API",
    "DESCRIPTION": "Wayfinder's REST API. The catalog is public and read-only.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Wagtail's admin API would otherwise be described too (and warn).
    "PREPROCESSING_HOOKS": ["wayfinder.api.spectacular_only_api_paths"],
}

SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="database")
MEILISEARCH_URL = env.str("MEILISEARCH_URL", default="")
MEILISEARCH_API_KEY = env.str("MEILISEARCH_API_KEY", default="")

OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
# Total seconds an LLM call may take, retry included (10 at most).
LLM_BUDGET_SECONDS = env.float("LLM_BUDGET_SECONDS", default=10.0)

PLANNER_LEASE_SECONDS = env.int("PLANNER_LEASE_SECONDS", default=60)
PLANNER_MAX_ATTEMPTS = env.int("PLANNER_MAX_ATTEMPTS", default=3)
PLANNER_QUEUED_STALE_SECONDS = env.int("PLANNER_QUEUED_STALE_SECONDS", default=300)
PLANNER_TASK_RETRIES = env.int("PLANNER_TASK_RETRIES", default=3)
PLANNER_TASK_RETRY_DELAY = env.int("PLANNER_TASK_RETRY_DELAY", default=5)
PLANNER_GRAPH_CACHE = env.bool("PLANNER_GRAPH_CACHE", default=bool(REDIS_URL))
PLANNER_GRAPH_CACHE_MAX_BYTES = env.int(
    "PLANNER_GRAPH_CACHE_MAX_BYTES", default=64 * 1024 * 1024
)
PLANNER_GC_FREEZE = env.bool("PLANNER_GC_FREEZE", default=True)
PLANNER_PHRASER = env.str(
    "PLANNER_PHRASER", default="planner.llm.phraser_from_settings"
)
PLANNER_GOAL_MATCHER = env.str(
    "PLANNER_GOAL_MATCHER", default="planner.matching.search_goal_matcher"
)

SENTRY_DSN = env.str("SENTRY_DSN", default="")

LINKCHECK = {
    "CONCURRENCY": env.int("LINKCHECK_CONCURRENCY", default=8),
    "PER_HOST_CONCURRENCY": env.int("LINKCHECK_PER_HOST_CONCURRENCY", default=2),
    "TIMEOUT": env.float("LINKCHECK_TIMEOUT", default=10.0),
    "MAX_REDIRECTS": 5,
    "HOST_FAILURE_LIMIT": env.int("LINKCHECK_HOST_FAILURE_LIMIT", default=3),
    "RECHECK_AFTER_HOURS": env.int("LINKCHECK_RECHECK_AFTER_HOURS", default=24),
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
