"""Production: no defaults for secrets, HTTPS everywhere, JSON logs."""

from wayfinder.logging import build_logging_config

from .base import *  # noqa: F403
from .base import LOG_LEVEL, env

SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# Persistent database connections: a new PostgreSQL connection per request
# cost about 20 ms of a 50-step roadmap read (bench/api_http.py, p50 70 ms
# against 50 ms with 60 s). Health checks drop a connection the server closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Container health checks and load balancers probe over plain HTTP; a
# redirect to HTTPS would read as a failure.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

# Hashed names and compressed copies; WhiteNoise serves the hashed files
# with a far-future, immutable Cache-Control.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}

LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = build_logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
