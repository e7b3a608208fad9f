"""Local development: the embedded defaults, debug on, readable logs."""

from .base import *  # noqa: F403
from .base import JWT_SIGNING_KEY, SIMPLE_JWT, env, jwt_signing_key

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="dev-only-insecure-key-0f6c1d3e-change-me-in-production-settings",
)
# base.py derived the token key from its own (empty) secret: use this one.
SIMPLE_JWT = {
    **SIMPLE_JWT,
    "SIGNING_KEY": JWT_SIGNING_KEY or jwt_signing_key(SECRET_KEY),
}
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"]
)
