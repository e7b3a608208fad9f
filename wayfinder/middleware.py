"""Request IDs (accepted or generated, echoed, bound to logs) and the refusal
of NUL bytes and lone surrogates anywhere in a request."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator

from django.core.signals import request_finished
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
)

import structlog

from .errors import InvalidInput

REQUEST_ID_HEADER = "X-Request-ID"
# A client's ID is kept only when it is short and plain, so logs cannot be
# polluted with control characters or megabytes of header.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# A signed export download link is a capability until it expires: its token
# must not reach the logs (roadmaps/views/exports.py).
_SECRET_PATH = re.compile(r"^(/exports/)[^/]+")

logger = structlog.get_logger(__name__)


class RequestIDMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _ACCEPTABLE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        response = self.get_response(request)
        logger.info(
            "request_finished",
            method=request.method,
            path=loggable_path(request.path),
            status=response.status_code,
        )
        response[REQUEST_ID_HEADER] = request_id
        return response


def loggable_path(path: str) -> str:
    """``path`` with any secret in it replaced by ``<redacted>``."""
    return _SECRET_PATH.sub(r"\1<redacted>", path)


def _clear_log_context(**kwargs: object) -> None:
    # Django logs 4xx/5xx responses after the middleware chain has returned, so
    # the ID stays bound until the response is closed, then is cleared.
    structlog.contextvars.clear_contextvars()


request_finished.connect(_clear_log_context, dispatch_uid="wayfinder-clear-log-context")


# PostgreSQL cannot store NUL in text and no database can encode a lone
# surrogate, so either one reaching a query used to surface as a 500.
_INVALID_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
_INVALID_MESSAGE = "Contains a NUL byte or a lone surrogate."
# Enough to tell the caller where to look, not an echo of a hostile request.
_MAX_FIELDS_REPORTED = 20


def _has_invalid(text: str) -> bool:
    return bool(_INVALID_CHARACTERS.search(text))


def _printable(name: str) -> str:
    return _INVALID_CHARACTERS.sub("\ufffd", name)


def _json_fields(document: object) -> Iterator[str]:
    """The dotted path of every key or string in ``document`` that is invalid."""
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _has_invalid(value):
                yield path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if _has_invalid(str(key)):
                    yield child
                else:
                    stack.append((child, item))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}.{i}" if path else str(i), v) for i, v in enumerate(value)
            )


def _form_fields(data: QueryDict) -> Iterator[str]:
    for key, values in data.lists():
        if _has_invalid(key) or any(_has_invalid(v) for v in values):
            yield key


def _body_fields(request: HttpRequest) -> Iterator[str]:
    """Invalid fields of a form or JSON body; file contents are never read.

    ``request.body`` and ``request.POST`` are cached by Django, so views read
    them again as usual; their size limits still apply (a 400 from Django).
    """
    content_type = request.content_type or ""
    if content_type == "multipart/form-data" and request.method == "POST":
        yield from _form_fields(request.POST)
        for key, upload in request.FILES.items():
            if _has_invalid(key) or _has_invalid(upload.name or ""):
                yield key
    elif content_type == "application/x-www-form-urlencoded":
        yield from _form_fields(QueryDict(request.body, encoding=request.encoding))
    elif content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body)
        except (ValueError, RecursionError):
            return  # not JSON: the view answers its own 400
        yield from _json_fields(document)


def invalid_request_fields(request: HttpRequest) -> list[str]:
    """Where the request carries a NUL byte or a lone surrogate: ``"path"``, a
    query or body field name (a dotted path into a JSON body) or
    ``"cookie:<name>"``. Empty when the request is clean."""
    fields = ["path"] if _has_invalid(request.path) else []
    fields += _form_fields(request.GET)
    fields += [
        f"cookie:{name}"
        for name, value in request.COOKIES.items()
        if _has_invalid(name) or _has_invalid(value)
    ]
    fields += _body_fields(request)
    return list(dict.fromkeys(_printable(name) for name in fields))


class InvalidCharactersMiddleware:
    """Refuse, with 400, any request carrying a NUL byte or a lone surrogate.

    One check before any view, instead of a guard in each: API paths get the
    API's error shape, other paths a short plain-text answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = invalid_request_fields(request)
        if not fields:
            return self.get_response(request)
        logger.info("request_refused_invalid_characters", fields=fields)
        if request.path_info.startswith("/api/"):
            error = InvalidInput(
                "The request contains a NUL byte or a lone surrogate.",
                code="invalid_characters",
                fields={
                    name: [_INVALID_MESSAGE] for name in fields[:_MAX_FIELDS_REPORTED]
                },
            )
            return JsonResponse({"error": error.as_dict()}, status=error.status)
        return HttpResponseBadRequest(
            "Bad request: NUL bytes and lone surrogates are not allowed.\n",
            content_type="text/plain; charset=utf-8",
        )
