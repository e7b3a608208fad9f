"""The API's pagination: page numbers, for querysets and for search results.

Its own module rather than ``wayfinder/api.py`` because DRF resolves
``DEFAULT_PAGINATION_CLASS`` while its generic views are being imported, and
``wayfinder/api.py`` imports the viewsets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import InvalidPage

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

# Deeper pages than this are refused before anything runs: the offset must
# stay a reasonable integer for every backend.
MAX_PAGE_NUMBER = 10_000

SearchRun = Callable[..., tuple[Sequence[Any], int]]


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M`` (at most 100), with ``count``, ``next``,
    ``previous`` and ``results``.

    A ``page_size`` that is not a whole number from 1 to 100 (``null``,
    ``abc``, ``0``, ``101``) answers 400, as the schema says, rather than
    being quietly replaced by the default or the cap.
    """

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        digits = raw.isascii() and raw.isdigit() and len(raw) <= 3
        size = int(raw) if digits else 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Enter a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def paginate_search(self, request: Request, run: SearchRun) -> list[Any]:
        """Paginate results that the search engine pages itself.

        ``run(page=..., per_page=...)`` returns the page's objects and the
        total number of matches. The response has the same shape and links
        as a paginated queryset; a page past the last one is a 404, as there.
        """
        self.request = request
        per_page = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or "1"
        last = raw in self.last_page_strings
        number = 1 if last else self._page_number(raw)
        objects, total = run(page=number, per_page=per_page)
        paginator = self.django_paginator_class(range(total), per_page)
        if last and paginator.num_pages != number:
            number = paginator.num_pages
            objects, total = run(page=number, per_page=per_page)
        try:
            paginator.validate_number(number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message) from exc
        self.page = paginator.get_page(number)
        self.page.object_list = list(objects)
        self.display_page_controls = paginator.num_pages > 1
        return self.page.object_list

    def _page_number(self, raw: str) -> int:
        try:
            number = int(raw)
        except ValueError:
            raise NotFound(self.invalid_page_message) from None
        if not 1 <= number <= MAX_PAGE_NUMBER:
            raise NotFound(self.invalid_page_message)
        return number
