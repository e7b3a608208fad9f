"""Tests: the services from DATABASE_URL / REDIS_URL when set, fast hashing."""

import os

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-key-not-secret-but-long-enough-for-simplejwt-signing-0123456789"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A queue name per test process, so parallel runs on one Redis never share tasks.
HUEY_NAME = env.str("HUEY_NAME", default=f"wayfinder-test-{os.getpid()}")
HUEY["name"] = HUEY_NAME  # noqa: F405
LOG_FORMAT = "console"
# Rolled-back test catalogs reuse version numbers: never share snapshots via Redis.
PLANNER_GRAPH_CACHE = False
CATALOG_REPORT_CACHE = False
# Tests run without collectstatic: WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A loaded CI machine can take longer than production's 0.5 s to open a
# database connection; the tests of the timeout itself set 0.5 s.
READYZ_CHECK_TIMEOUT = 2.0
