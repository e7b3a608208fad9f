"""What a source is: one search call in, found items out, or one SourceError.

``Source.search(query, language, level, limit)`` is the interface; no ORM
and no Django at import here: an adapter turns a search into one HTTP request
(:meth:`Source.request`) and that request's answer into :class:`Found` items
(:meth:`Source.parse`). ``sources.fetch`` does the network part (budget,
limits, cache, circuit breaker, the egress guard) for every adapter alike.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

MAX_TITLE = 255
MAX_DESCRIPTION = 1000


class Failure(enum.StrEnum):
    """Why a source gave nothing (``SourceError.kind``)."""

    UNAVAILABLE = "unavailable"  # 5xx, a refused connection
    TIMEOUT = "timeout"  # the request's timeout or the run's budget
    RATE_LIMITED = "rate_limited"  # 429, or GitHub's 403 with no requests left
    MALFORMED = "malformed"  # not JSON, or not the documented shape
    REFUSED = "refused"  # the egress guard: a private address
    CIRCUIT_OPEN = "circuit_open"  # the breaker is open: nothing was sent
    REJECTED = "rejected"  # any other 4xx: our request was wrong


class SourceError(Exception):
    """A source gave no answer to one search.

    ``retry_after`` holds the seconds a 429's ``Retry-After`` asked for.
    """

    def __init__(
        self, kind: Failure, detail: str = "", *, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after


@dataclass(frozen=True)
class Query:
    """One search: words, and the language and level wanted (either may be "")."""

    text: str
    language: str = ""
    level: str = ""
    limit: int = 5


@dataclass(frozen=True)
class Found:
    """One item a source found: the candidate's data, as the source gave it.

    ``language`` and ``duration_minutes`` are empty when the source does not
    say; ``identifiers`` holds the source's own ids (work key, page id, repo id).
    """

    source: str
    title: str
    url: str
    provider_name: str
    provider_url: str
    format: str
    language: str = ""
    duration_minutes: int | None = None
    description: str = ""
    identifiers: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["identifiers"] = dict(self.identifiers)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Found:
        return cls(**data)


@dataclass(frozen=True)
class Request:
    """The HTTP request an adapter wants made: always a GET."""

    url: str
    params: Mapping[str, str | int]
    headers: Mapping[str, str] = field(default_factory=dict)


class Source:
    """An adapter over one public search API.

    Subclasses set ``name``, ``label`` and ``format`` and implement
    :meth:`request` and :meth:`parse`; ``parse`` raises
    ``SourceError(Failure.MALFORMED)`` for a body not in the documented shape.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    #: Left out of the enabled sources while no key is configured.
    needs_key: ClassVar[bool] = False

    def __init__(self, *, base_url: str, api_key: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def search(
        self, query: str, language: str = "", level: str = "", limit: int = 5
    ) -> list[Found]:
        """The items this source finds for ``query`` in ``language`` at
        ``level`` (either may be ""), at most ``limit``; raises
        :class:`SourceError` when it gives no answer.

        One search under every rule of ``sources.fetch`` (cache, breaker,
        limits, egress guard) with the configured limits. Runs of many
        searches call ``sources_search`` directly, which runs them together.
        """
        # Imported here: this module stays free of Django for the adapters.
        from .fetch import sources_search
        from .registry import fetch_config

        wanted = Query(text=query, language=language, level=level, limit=limit)
        (result,) = sources_search([(self, wanted)], config=fetch_config())
        if result.error is not None:
            raise result.error
        return list(result.found)

    def request(self, query: Query) -> Request:
        raise NotImplementedError

    def parse(self, query: Query, body: Any, headers: Mapping[str, str]) -> list[Found]:
        raise NotImplementedError

    def rate_limited(self, status: int, headers: Mapping[str, str]) -> bool:
        """True when an answer means "slow down" (429 everywhere)."""
        return status == 429

    def refusal(
        self, status: int, body: Any, headers: Mapping[str, str]
    ) -> SourceError:
        """The error for a 4xx answer that is not a rate limit; ``body`` is
        its JSON (None when it is not JSON). An API that explains itself in
        the body (YouTube's quota) overrides this."""
        return SourceError(Failure.REJECTED, f"HTTP {status}")


def text(value: Any, *, limit: int) -> str:
    """A string field of an answer, stripped and cut to ``limit``; "" otherwise."""
    return value.strip()[:limit] if isinstance(value, str) else ""


def malformed(detail: str) -> SourceError:
    return SourceError(Failure.MALFORMED, detail)
