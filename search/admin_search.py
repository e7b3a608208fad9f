"""Admin listings search through the catalog search backend.

Curators get the same ranking, typo correction and prefixes as learners, and
see broken resources too. Should the search engines be down, the listing falls
back to Wagtail's ORM search over ``search_fields``.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, When

import structlog

from .backends.base import MAX_PER_PAGE, SearchError, SearchUnavailable
from .selectors import catalog_search

logger = structlog.get_logger(__name__)

#: Most matches a listing shows; curators refine the query past that.
ADMIN_MATCH_LIMIT = 500


def catalog_search_ids(
    *, kind: str, query: str, limit: int = ADMIN_MATCH_LIMIT
) -> list[int]:
    """Ids of the best ``limit`` matches of ``query`` among ``kind`` documents."""
    ids: list[int] = []
    page = 1
    while len(ids) < limit:
        results = catalog_search(
            query=query,
            kind=kind,
            page=page,
            per_page=MAX_PER_PAGE,
            include_broken=True,
        )
        ids.extend(hit.id for hit in results.hits)
        if len(results.hits) < MAX_PER_PAGE or len(ids) >= results.total:
            break
        page += 1
    return ids[:limit]


class CatalogSearchIndexViewMixin:
    """For a Wagtail IndexView: search with the catalog backend (``search_kind``)."""

    search_kind: str = ""

    def search_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.is_searching or not self.search_kind:
            return super().search_queryset(queryset)
        try:
            ids = catalog_search_ids(kind=self.search_kind, query=self.search_query)
        except (SearchError, SearchUnavailable) as error:
            logger.warning(
                "admin_search_fallback", kind=self.search_kind, error=str(error)
            )
            return super().search_queryset(queryset)
        matched = queryset.filter(pk__in=ids)
        if self.is_explicitly_ordered:
            return matched
        rank = Case(
            *(When(pk=pk, then=position) for position, pk in enumerate(ids)),
            output_field=IntegerField(),
        )
        return matched.order_by(rank)


def catalog_search_index_view(kind: str) -> type:
    """A snippet IndexView class whose search goes through the catalog backend."""
    from wagtail.snippets.views.snippets import IndexView

    return type(
        f"{kind.title()}SearchIndexView",
        (CatalogSearchIndexViewMixin, IndexView),
        {"search_kind": kind},
    )
