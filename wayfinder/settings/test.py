"""Tests: the services from DATABASE_URL / REDIS_URL when set, fast hashing."""

import os
from urllib.parse import urlsplit

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, SIMPLE_JWT, env, jwt_signing_key

SECRET_KEY = "test-only-key-not-secret-but-long-enough-for-simplejwt-signing-0123456789"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A queue name per test process, so parallel runs on one Redis never share tasks.
HUEY_NAME = env.str("HUEY_NAME", default=f"wayfinder-test-{os.getpid()}")
HUEY["name"] = HUEY_NAME  # noqa: F405
# Parallel test processes (pytest-xdist, "gw0", "gw1", ...) share one Redis
# server: each keeps its cache in a database of its own, the one after
# REDIS_URL's for gw0 and so on, because a test's cache.clear() empties a whole
# Redis database (FLUSHDB, whatever the key prefix) and would wipe what
# another process's test just stored.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _WORKER.startswith("gw"):  # noqa: F405
    _redis = urlsplit(REDIS_URL)  # noqa: F405
    _db = int(_redis.path.strip("/") or 0) + 1 + int(_WORKER[2:])
    CACHES["default"]["LOCATION"] = _redis._replace(path=f"/{_db % 16}").geturl()  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = f"wayfinder-test-{_WORKER or 'main'}"  # noqa: F405
LOG_FORMAT = "console"
# Rolled-back test catalogs reuse version numbers: never share snapshots via Redis.
PLANNER_GRAPH_CACHE = False
CATALOG_REPORT_CACHE = False
HOME_PAGES_CACHE = False
# Tests run without collectstatic: WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A loaded CI machine can take longer than production's 0.5 s to open a
# database connection; the tests of the timeout itself set 0.5 s.
READYZ_CHECK_TIMEOUT = 2.0
# allauth keeps its rate limits in the cache (Redis here), which outlives each
# test's transaction: a suite of sign-ups from 127.0.0.1 would trip them.
# Failed sign-ins stay limited by django-axes (in the database).
ACCOUNT_RATE_LIMITS = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Signed with this file's SECRET_KEY, as each environment's tokens are.
SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": jwt_signing_key(SECRET_KEY)}
# The throttles' history lives in Redis and outlives each test's transaction,
# and every test client calls from 127.0.0.1: with production's rates the
# suite would trip them by accident. Here they allow 1000 requests a second:
# no test comes near, and a one-second window keeps each history short. The
# throttle tests set real rates and a fresh key prefix of their own.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(
        REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000/second"
    ),
}
