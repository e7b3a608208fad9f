"""Admin listings and choosers search through the catalog search backend.

Curators get the same ranking, typo correction and prefixes as learners, and
see broken resources too, in a listing and in a chooser alike. Subjects and
providers, a few rows each, are not indexed: they are matched in the
database. So are the other kinds should the search engines be down. Wagtail's
own search index holds none of the catalog.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
)
from wagtail.snippets.views.snippets import IndexView

import structlog

from .backends.base import MAX_PER_PAGE, SearchError, SearchUnavailable
from .documents import KINDS
from .selectors import catalog_search

logger = structlog.get_logger(__name__)

#: Most matches a listing or a chooser shows; curators refine the query past that.
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


def admin_search(
    *,
    queryset: QuerySet,
    query: str,
    kind: str,
    fields: Sequence[str],
    keep_order: bool = False,
) -> QuerySet:
    """``queryset`` narrowed to the matches of ``query``, best first.

    A ``kind`` the catalog index holds (``search.documents.KINDS``) is searched
    there; any other kind, and every kind when the index cannot answer
    (``SearchError``, ``SearchUnavailable``: logged), is matched in the
    database by :func:`admin_search_database` over ``fields``, the first of
    them being the name. ``keep_order`` keeps the queryset's own order (a
    curator sorted the listing by a column) instead of the relevance.
    """
    if kind in KINDS:
        try:
            # A savepoint: a failed search statement must not abort the
            # surrounding transaction, or the fallback could not query.
            with transaction.atomic():
                ids = catalog_search_ids(kind=kind, query=query)
        except (SearchError, SearchUnavailable) as error:
            logger.warning("admin_search_fallback", kind=kind, error=str(error))
        else:
            matched = queryset.filter(pk__in=ids)
            if keep_order:
                return matched
            rank = Case(
                *(When(pk=pk, then=position) for position, pk in enumerate(ids)),
                output_field=IntegerField(),
            )
            return matched.order_by(rank)
    return admin_search_database(
        queryset=queryset, query=query, fields=fields, keep_order=keep_order
    )


def admin_search_database(
    *,
    queryset: QuerySet,
    query: str,
    fields: Sequence[str],
    keep_order: bool = False,
) -> QuerySet:
    """Rows holding every word of ``query`` in one of ``fields`` (``icontains``).

    Unless ``keep_order``, names (``fields[0]``) starting with the query come
    first, then names holding it, then the rest, each by name.
    """
    words = query.split()
    if not words:
        return queryset
    if not fields:
        return queryset.none()
    matched = queryset.filter(
        *(
            functools.reduce(
                operator.or_, (Q(**{f"{field}__icontains": word}) for field in fields)
            )
            for word in words
        )
    )
    if keep_order:
        return matched
    name = fields[0]
    rank = Case(
        When(**{f"{name}__istartswith": query}, then=Value(0)),
        When(**{f"{name}__icontains": query}, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return matched.order_by(rank, name, "pk")


class CatalogSearchIndexViewMixin:
    """For a Wagtail IndexView: search with :func:`admin_search` (``search_kind``)."""

    search_kind: str = ""

    def search_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.is_searching:
            return queryset
        return admin_search(
            queryset=queryset,
            query=self.search_query,
            kind=self.search_kind,
            fields=self.search_fields or (),
            keep_order=self.is_explicitly_ordered,
        )


def catalog_search_index_view(kind: str) -> type:
    """A snippet IndexView class whose search goes through :func:`admin_search`."""
    return type(
        f"{kind.title()}SearchIndexView",
        (CatalogSearchIndexViewMixin, IndexView),
        {"search_kind": kind},
    )


class CatalogChooserFilterForm(BaseFilterForm):
    """The chooser's search box, answered by ``search(objects, query)``."""

    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("Search")}),
        required=False,
    )

    def __init__(
        self, *args: Any, search: Callable[[QuerySet, str], QuerySet], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.search = search

    def filter(self, objects: QuerySet) -> QuerySet:
        objects = super().filter(objects)
        query = " ".join(self.cleaned_data.get("q", "").split())
        if query:
            objects = self.search(objects, query)
            self.is_searching = True
            self.search_query = query
        return objects


class CatalogChooseViewMixin:
    """For a snippet chooser view: search with :func:`admin_search`, more columns.

    ``extra_columns`` follow the title, so curators tell apart items with the
    same name; ``related`` is what they read, fetched with the page.
    """

    search_kind: str = ""
    search_fields: Sequence[str] = ()
    extra_columns: Sequence[Column] = ()
    related: Sequence[str] = ()

    def get_object_list(self) -> QuerySet:
        objects = super().get_object_list()
        # select_related() with no names would follow every foreign key.
        return objects.select_related(*self.related) if self.related else objects

    def get_filter_form(self) -> CatalogChooserFilterForm:
        return CatalogChooserFilterForm(self.request.GET, search=self.search_objects)

    def search_objects(self, objects: QuerySet, query: str) -> QuerySet:
        return admin_search(
            queryset=objects,
            query=query,
            kind=self.search_kind,
            fields=self.search_fields,
        )

    @property
    def columns(self) -> list[Column]:
        return [*super().columns, *self.extra_columns]


def catalog_chooser_viewset(
    kind: str,
    *,
    fields: Sequence[str],
    columns: Sequence[Column] = (),
    related: Sequence[str] = (),
) -> type[SnippetChooserViewSet]:
    """A snippet chooser viewset class that searches like the listing.

    For a SnippetViewSet's ``chooser_viewset_class``: ``kind`` and ``fields``
    as for :func:`admin_search`; ``columns`` shown after the title, reading
    the ``related`` objects.
    """
    attributes = {
        "search_kind": kind,
        "search_fields": tuple(fields),
        "extra_columns": tuple(columns),
        "related": tuple(related),
    }
    name = kind.title()
    return type(
        f"{name}ChooserViewSet",
        (SnippetChooserViewSet,),
        {
            "choose_view_class": type(
                f"{name}ChooseView", (CatalogChooseViewMixin, ChooseView), attributes
            ),
            "choose_results_view_class": type(
                f"{name}ChooseResultsView",
                (CatalogChooseViewMixin, ChooseResultsView),
                attributes,
            ),
        },
    )
