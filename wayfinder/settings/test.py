"""Tests: the services from DATABASE_URL / REDIS_URL when set, fast hashing."""

import os

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, SIMPLE_JWT, env, jwt_signing_key

SECRET_KEY = "test-only-key-not-secret-but-long-enough-for-simplejwt-signing-0123456789"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A queue name per test process, so parallel runs on one Redis never share tasks.
HUEY_NAME = env.str("HUEY_NAME", default=f"wayfinder-test-{os.getpid()}")
HUEY["name"] = HUEY_NAME  # noqa: F405
# Parallel test processes (pytest-xdist) share one Redis: each keeps its cache
# (throttle histories, locks) under a prefix of its own.
CACHES["default"]["KEY_PREFIX"] = (  # noqa: F405
    f"wayfinder-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
)
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
