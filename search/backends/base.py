"""The search backend interface, its request and its results."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar

from wayfinder.errors import InvalidInput, ServiceUnavailable

from ..documents import KINDS, Document

MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 200

# Filters each kind accepts; every one but the duration bounds is also a facet.
FILTERS: dict[str, tuple[str, ...]] = {
    "resource": (
        "subject",
        "topic",
        "provider",
        "format",
        "language",
        "level",
        "cost",
        "link_health",
        "duration_min",
        "duration_max",
    ),
    "topic": ("subject", "level"),
    "track": ("subject", "topic"),
}
RANGE_FILTERS = ("duration_min", "duration_max")
FACETS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in names if name not in RANGE_FILTERS)
    for kind, names in FILTERS.items()
}
# Where each filter lives in a document (``Document`` field names).
FILTER_FIELDS = {
    "subject": "subjects",
    "topic": "topic_slugs",
    "provider": "provider_slug",
    "format": "format",
    "language": "language",
    "level": "level",
    "cost": "cost",
    "link_health": "link_health",
    "duration_min": "duration_minutes",
    "duration_max": "duration_minutes",
}
BROKEN = "broken"


class SearchError(InvalidInput, ValueError):
    """The request cannot be answered as asked (unknown filter, bad page...)."""

    code = "invalid_search"


class SearchUnavailable(ServiceUnavailable, RuntimeError):
    """The backend cannot answer now; another backend may."""

    code = "search_unavailable"
    default_message = "Search is not available right now. Try again shortly."


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: filters normalised to tuples of strings.

    Values of one filter are alternatives (``format=video`` or ``article``);
    different filters must all hold. ``duration_min``/``duration_max`` hold one
    integer each, in minutes, both bounds included. With ``widen_facets``, a
    requested facet whose filter is in use is counted under the *other*
    filters only: what ticking another value of it would match.
    """

    query: str = ""
    kind: str = "resource"
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    page: int = 1
    per_page: int = 20
    include_broken: bool = False
    widen_facets: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def hides_broken(self) -> bool:
        return self.kind == "resource" and not self.include_broken

    @property
    def widened(self) -> tuple[str, ...]:
        """The requested facets counted under the other filters only."""
        if not self.widen_facets:
            return ()
        return tuple(name for name in self.facets if name in self.filters)

    def widened_request(self, name: str) -> SearchRequest:
        """The request that counts facet ``name`` under the other filters."""
        others = {key: v for key, v in self.filters.items() if key != name}
        return replace(
            self, filters=others, facets=(name,), page=1, per_page=1, widen_facets=False
        )

    @classmethod
    def build(
        cls,
        query: str = "",
        *,
        kind: str = "resource",
        filters: Mapping[str, Any] | None = None,
        facets: Iterable[str] = (),
        page: int = 1,
        per_page: int = 20,
        include_broken: bool = False,
        widen_facets: bool = False,
    ) -> SearchRequest:
        if kind not in KINDS:
            raise SearchError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
        facets = tuple(dict.fromkeys(facets))
        unknown = sorted(set(facets) - set(FACETS[kind]))
        if unknown:
            raise SearchError(
                f"unknown facet {', '.join(unknown)} for {kind}; "
                f"one of {', '.join(FACETS[kind])}"
            )
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise SearchError(f"page must be >= 1 and per_page 1 to {MAX_PER_PAGE}")
        return cls(
            query=" ".join((query or "").split())[:MAX_QUERY_LENGTH],
            kind=kind,
            filters=_normalise_filters(kind, filters or {}),
            facets=facets,
            page=page,
            per_page=per_page,
            include_broken=include_broken,
            widen_facets=widen_facets,
        )


def _normalise_filters(
    kind: str, filters: Mapping[str, Any]
) -> dict[str, tuple[str, ...]]:
    normalised: dict[str, tuple[str, ...]] = {}
    for name, raw in filters.items():
        if name not in FILTERS[kind]:
            raise SearchError(
                f"unknown filter {name!r} for {kind}; one of {', '.join(FILTERS[kind])}"
            )
        values = [raw] if isinstance(raw, str | int) else list(raw)
        flat = [part.strip() for value in values for part in str(value).split(",")]
        flat = [part for part in flat if part]
        if not flat:
            continue
        if name in RANGE_FILTERS and (len(flat) != 1 or not flat[0].isdigit()):
            raise SearchError(f"{name} takes one whole number of minutes")
        normalised[name] = tuple(dict.fromkeys(flat))
    return normalised


@dataclass(frozen=True)
class SearchHit:
    id: int
    kind: str
    score: float
    fields: dict[str, Any]


@dataclass(frozen=True)
class SearchResults:
    """One page of hits, best first, with the total and the facet counts.

    ``facets`` maps each requested facet to ``{value: count}`` over every
    document the query and filters matched. ``corrected_query`` is the query
    with misspelt words replaced, when some were; ``fallback_from`` names the
    backend that could not answer when another one did.
    """

    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]
    backend: str
    query: str = ""
    page: int = 1
    per_page: int = 20
    corrected_query: str = ""
    fallback_from: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SearchBackend(abc.ABC):
    """Index catalog documents and search them.

    Implementations are cheap to construct; they keep no state between calls
    besides connection details.
    """

    name: ClassVar[str]

    @abc.abstractmethod
    def index(self, documents: Sequence[Document]) -> None:
        """Add or replace ``documents`` (idempotent)."""

    @abc.abstractmethod
    def delete(self, *, kind: str, ids: Iterable[int]) -> None:
        """Remove the documents of ``kind`` with these object ids, if present."""

    @abc.abstractmethod
    def prune(self, *, kind: str, indexed_before: int) -> None:
        """Remove the documents of ``kind`` written before ``indexed_before`` (ms).

        A full reindex writes every live document, then prunes what it did not
        touch: the documents of deleted objects.
        """

    def search(
        self,
        query: str = "",
        *,
        kind: str = "resource",
        filters: Mapping[str, Any] | None = None,
        facets: Iterable[str] = (),
        page: int = 1,
        per_page: int = 20,
        include_broken: bool = False,
        widen_facets: bool = False,
    ) -> SearchResults:
        """Rank the ``kind`` documents matching ``query`` and ``filters``.

        An empty query lists everything that passes the filters, best rated
        first. Resources whose primary link is broken are left out unless
        ``include_broken``. ``widen_facets``: see :class:`SearchRequest`.
        Raises :class:`SearchError` for a request that cannot be valid and
        :class:`SearchUnavailable` when the engine is down.
        """
        request = SearchRequest.build(
            query,
            kind=kind,
            filters=filters,
            facets=facets,
            page=page,
            per_page=per_page,
            include_broken=include_broken,
            widen_facets=widen_facets,
        )
        return self.run(request)

    @abc.abstractmethod
    def run(self, request: SearchRequest) -> SearchResults:
        """Answer a validated request."""

    @abc.abstractmethod
    def health(self) -> str:
        """``"ok"``, or raises :class:`SearchUnavailable`."""

    def setup(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Create indexes and apply settings, where the engine needs it."""
