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
