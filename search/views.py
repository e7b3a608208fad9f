"""The learners' catalog search page.

One view, two renderings: the whole page, or (for an htmx request) only the
``results`` partial, which also carries the facet counts and the result
count out of band. Without JavaScript the form submits and the whole page
shows the same results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, QueryDict
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from catalog.selectors import resource_primary_urls
from taxonomy.models import Subject
from taxonomy.selectors import catalog_version_current
from wayfinder.errors import error_response

from .backends import SearchResults, SearchUnavailable
from .backends.base import MAX_QUERY_LENGTH
from .forms import FACETS, CatalogSearchForm
from .selectors import catalog_search

PER_PAGE = 20
TEMPLATE = "search/search_page.html"
# The default page (no query, no filter) is cached per catalog version. Index
# updates land a little after the version moves (a Huey task), so entries also
# expire, and a result cached in between does not outlive them for long.
DEFAULT_CACHE_SECONDS = 300


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool


@dataclass(frozen=True)
class FacetGroup:
    name: str
    legend: str
    options: list[FacetOption]


@dataclass(frozen=True)
class SearchOutcome:
    """What the template shows: one page of results and every facet's counts."""

    results: SearchResults
    urls: dict[int, str]
    facet_counts: dict[str, dict[str, int]] = field(default_factory=dict)


@require_GET
def search_page(request: HttpRequest) -> TemplateResponse:
    """``/search/?q=...&format=video&level=beginner&page=2``."""
    version = catalog_version_current()
    form = CatalogSearchForm(request.GET, subjects=_subject_names(version))
    form.is_valid()  # lenient: never invalid as a whole (see search.forms)
    partial = request.htmx and not request.htmx.history_restore_request
    template = f"{TEMPLATE}#results" if partial else TEMPLATE
    try:
        outcome = _search(
            query=form.query,
            filters=form.filters,
            page=form.page_number,
            version=version,
        )
    except SearchUnavailable as error:
        # The page still renders, without results: it says search is down.
        response = error_response(
            request, error, template=template, context=_context(request, form, None)
        )
    else:
        response = TemplateResponse(request, template, _context(request, form, outcome))
    # The same URL answers with a fragment or a page: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _context(
    request: HttpRequest, form: CatalogSearchForm, outcome: SearchOutcome | None
) -> dict[str, Any]:
    return {
        "form": form,
        "query": form.query,
        "outcome": outcome,
        "results": _result_items(outcome, form) if outcome else [],
        "facet_groups": _facet_groups(outcome, form) if outcome else [],
        "has_filters": bool(form.filters),
        "paging": _paging(request, form, outcome.results) if outcome else None,
        "clear_filters_url": _url(request, {"q": [form.query]} if form.query else {}),
        "max_query_length": MAX_QUERY_LENGTH,
        "focus_results": bool(request.htmx and request.htmx.boosted),
    }


def _subject_names(version: int) -> dict[str, str]:
    """``{slug: name}`` of every subject, by name; cached per catalog version."""
    key = f"search:subjects:v{version}"
    names = cache.get(key)
    if names is None:
        names = dict(Subject.objects.order_by("name").values_list("slug", "name"))
        cache.set(key, names, DEFAULT_CACHE_SECONDS)
    return names


def _search(
    *, query: str, filters: Mapping[str, list[str]], page: int, version: int
) -> SearchOutcome:
    if not query and not filters and page == 1:
        key = f"search:default:v{version}"
        outcome = cache.get(key)
        if outcome is None:
            outcome = _search_uncached(query=query, filters=filters, page=page)
            cache.set(key, outcome, DEFAULT_CACHE_SECONDS)
        return outcome
    return _search_uncached(query=query, filters=filters, page=page)


def _search_uncached(
    *, query: str, filters: Mapping[str, list[str]], page: int
) -> SearchOutcome:
    """The page of results, with facet counts that let a learner widen a filter.

    Values of one filter are alternatives, so a chosen facet counts what each
    of its values would match with the *other* filters only; the search
    counts them in the same statement (``widen_facets``).
    """
    results = catalog_search(
        query=query,
        filters=filters,
        facets=FACETS,
        page=page,
        per_page=PER_PAGE,
        widen_facets=True,
    )
    last_page = _last_page(results.total, PER_PAGE)
    if page > last_page:
        results = catalog_search(
            query=query,
            filters=filters,
            facets=FACETS,
            page=last_page,
            per_page=PER_PAGE,
            widen_facets=True,
        )
    return SearchOutcome(
        results=results,
        urls=resource_primary_urls(ids=[hit.id for hit in results.hits]),
        facet_counts=dict(results.facets),
    )


def _facet_groups(outcome: SearchOutcome, form: CatalogSearchForm) -> list[FacetGroup]:
    """Each facet's values in a stable order (never by count, so they do not
    jump while the learner types): those with matches, and the chosen ones."""
    chosen = form.filters
    groups = []
    for name in FACETS:
        counts = outcome.facet_counts.get(name, {})
        options = [
            FacetOption(
                value=value,
                label=label,
                count=counts.get(value, 0),
                checked=value in chosen.get(name, ()),
            )
            for value, label in form.labels(name).items()
            if counts.get(value) or value in chosen.get(name, ())
        ]
        groups.append(
            FacetGroup(name=name, legend=form.fields[name].label, options=options)
        )
    return groups


@dataclass(frozen=True)
class ResultItem:
    id: int
    title: str
    url: str
    description: str
    provider: str
    format: str
    language: str
    level: str
    cost: str
    duration: str
    topics: list[str]


def _result_items(outcome: SearchOutcome, form: CatalogSearchForm) -> list[ResultItem]:
    labels = {
        name: form.labels(name) for name in ("format", "language", "level", "cost")
    }
    items = []
    for hit in outcome.results.hits:
        fields = hit.fields
        items.append(
            ResultItem(
                id=hit.id,
                title=fields["title"],
                url=outcome.urls.get(hit.id, ""),
                description=fields.get("description", ""),
                provider=fields.get("provider", ""),
                format=_label(labels["format"], fields.get("format")),
                language=_label(labels["language"], fields.get("language")),
                level=_label(labels["level"], fields.get("level")),
                cost=_label(labels["cost"], fields.get("cost")),
                duration=duration_text(fields.get("duration_minutes")),
                topics=list(fields.get("topics") or []),
            )
        )
    return items


def _label(labels: Mapping[str, str], value: Any) -> str:
    return labels.get(value, value or "")


def duration_text(minutes: int | None) -> str:
    """``45 min``, ``2 h``, ``1 h 30 min``."""
    if not minutes:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@dataclass(frozen=True)
class Paging:
    number: int
    last: int
    first_index: int
    previous_url: str
    next_url: str


def _paging(
    request: HttpRequest, form: CatalogSearchForm, results: SearchResults
) -> Paging:
    number, last = results.page, _last_page(results.total, results.per_page)
    params = {"q": [form.query]} if form.query else {}
    params.update(form.filters)

    def page_url(page: int) -> str:
        return _url(request, params if page == 1 else {**params, "page": [str(page)]})

    return Paging(
        number=number,
        last=last,
        first_index=(number - 1) * results.per_page + 1,
        previous_url=page_url(number - 1) if number > 1 else "",
        next_url=page_url(number + 1) if number < last else "",
    )


def _last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _url(request: HttpRequest, params: Mapping[str, list[str]]) -> str:
    """This page's path with ``params`` (each a list: parameters may repeat)."""
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path
