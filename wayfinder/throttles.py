"""The REST API's throttles: DRF's, reading their rates and key prefix from
the settings on every request.

DRF's own classes copy ``DEFAULT_THROTTLE_RATES`` when they are imported, so
a changed setting (a test's, or one read after start-up) would never reach
them. The scopes are ``anon``, ``user``, ``token``, ``planning``,
``regenerate`` and ``export``; a view takes one with ``throttle_scope``.
Going over a rate answers 429 in the error shape with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from rest_framework import throttling
from rest_framework.settings import api_settings


class _SettingsRates:
    @property
    def THROTTLE_RATES(self) -> dict[str, Any]:  # noqa: N802 (DRF's name)
        return api_settings.DEFAULT_THROTTLE_RATES

    @property
    def cache_format(self) -> str:
        return f"{settings.API_THROTTLE_KEY_PREFIX}_%(scope)s_%(ident)s"


class AnonRateThrottle(_SettingsRates, throttling.AnonRateThrottle):
    """Anonymous callers, per address."""


class UserRateThrottle(_SettingsRates, throttling.UserRateThrottle):
    """Signed-in callers, per user (anonymous ones per address)."""


class ScopedRateThrottle(_SettingsRates, throttling.ScopedRateThrottle):
    """The view's ``throttle_scope``, per user or address; none, no limit."""
