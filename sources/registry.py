"""The enabled sources, built from ``settings.SOURCES``.

``SOURCES["ENABLED"]`` (``SOURCES_ENABLED``) names the adapters in use;
``SOURCES["URLS"][name]`` is each one's base URL (``SOURCE_<NAME>_URL``,
which is how the tests point them at loopback) and ``SOURCES["KEYS"][name]``
its optional key.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from wayfinder.errors import ApplicationError

from .adapters import ADAPTERS
from .base import Source
from .fetch import FetchConfig


class UnknownSource(ApplicationError):
    code = "unknown_source"
    default_message = "No such source is enabled."


def sources_enabled() -> list[Source]:
    """The enabled adapters, in the order ``SOURCES_ENABLED`` lists them,
    without those that need a key while theirs is unset.

    Raises ``ImproperlyConfigured`` for a name no adapter has, or one without
    a base URL.
    """
    built = [
        _build(name) for name in dict.fromkeys(settings.SOURCES["ENABLED"]) if name
    ]
    # A source that needs a key (YouTube) is on only once the key is set.
    return [source for source in built if source.api_key or not source.needs_key]


def sources_named(names: list[str] | None) -> list[Source]:
    """The enabled sources with these names (all when ``names`` is empty).

    Raises :class:`UnknownSource` naming any that is not enabled.
    """
    enabled = sources_enabled()
    if not names:
        return enabled
    by_name = {source.name: source for source in enabled}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise UnknownSource(
            f"Not an enabled source: {', '.join(unknown)} "
            f"(enabled: {', '.join(by_name) or 'none'})."
        )
    return [by_name[name] for name in dict.fromkeys(names)]


def fetch_config() -> FetchConfig:
    """The limits from ``settings.SOURCES``; the egress allow-list is the link
    checker's (``LINKCHECK["ALLOWED_NETWORKS"]``)."""
    return FetchConfig.from_settings(
        settings.SOURCES,
        allowed_networks=settings.LINKCHECK.get("ALLOWED_NETWORKS", ()),
    )


def _build(name: str) -> Source:
    adapter = ADAPTERS.get(name)
    if adapter is None:
        raise ImproperlyConfigured(
            f"SOURCES_ENABLED names {name!r}; known sources: {', '.join(ADAPTERS)}."
        )
    base_url = settings.SOURCES["URLS"].get(name, "").strip()
    if not base_url:
        raise ImproperlyConfigured(f"Source {name!r} has no base URL (SOURCE_*_URL).")
    return adapter(base_url=base_url, api_key=settings.SOURCES["KEYS"].get(name, ""))
