"""Request IDs: accepted from the client or generated, echoed, bound to logs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

import structlog

REQUEST_ID_HEADER = "X-Request-ID"
# A client's ID is kept only when it is short and plain, so logs cannot be
# polluted with control characters or megabytes of header.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

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
            path=request.path,
            status=response.status_code,
        )
        response[REQUEST_ID_HEADER] = request_id
        return response


def _clear_log_context(**kwargs: object) -> None:
    # Django logs 4xx/5xx responses after the middleware chain has returned, so
    # the ID stays bound until the response is closed, then is cleared.
    structlog.contextvars.clear_contextvars()


request_finished.connect(_clear_log_context, dispatch_uid="wayfinder-clear-log-context")
