"""Every REST API error in one shape: ``{"error": {"code", "message", "fields"}}``.

``api_exception_handler`` is DRF's ``EXCEPTION_HANDLER``: it renders the
project's ApplicationErrors, Django's ``ValidationError``, ``Http404`` and
``PermissionDenied``, and DRF's own exceptions alike; anything else stays a
500. ``spectacular_error_responses`` documents the shape in the OpenAPI
schema. docs/api.md describes it for clients.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404

import structlog
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

from .errors import (
    ApplicationError,
    Conflict,
    FieldErrors,
    InvalidInput,
    application_error,
)

logger = structlog.get_logger(__name__)

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error response: docs/api.md lists the codes.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable, for programs: e.g. invalid, not_found.",
                },
                "message": {"type": "string", "description": "For people."},
                "fields": {
                    "type": "object",
                    "description": "Each invalid parameter or field, with its "
                    "messages; empty when no field is to blame.",
                    "additionalProperties": {
                        "type": "array",
                        "items": {"type": "string"},
                    },
                },
                "details": {
                    "type": "object",
                    "description": "Facts a client can act on, when there are "
                    "any: e.g. the running job of a refused regeneration.",
                    "additionalProperties": True,
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler: the error response for ``exc``, or None (a 500).

    A database uniqueness or constraint error that got past the services'
    checks means a concurrent write won the race (two curators saving the
    same slug at once): a 409 the client can retry, not a 500.
    """
    if isinstance(exc, IntegrityError):
        logger.warning("api_integrity_conflict", error=str(exc)[:300])
        exc = Conflict(
            "Another change to the same record was saved at the same moment: "
            "reload and try again.",
            code="concurrent_change",
        )
    if isinstance(exc, ApplicationError | ValidationError):
        error = application_error(exc)
        if error.status >= 500:
            logger.warning(
                "api_error", code=error.code, status=error.status, error=error.message
            )
        set_rollback()
        return Response({"error": error.as_dict()}, status=error.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    # DRF's own handler sets the status and the WWW-Authenticate and
    # Retry-After headers; only the body changes.
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"error": _api_exception_error(exc).as_dict()}
    return response


def _api_exception_error(exc: exceptions.APIException) -> ApplicationError:
    if isinstance(exc, exceptions.ValidationError):
        return _validation_error(exc.detail)
    error = ApplicationError(
        str(exc.detail), code=getattr(exc.detail, "code", None) or exc.default_code
    )
    error.status = exc.status_code
    return error


def _validation_error(detail: Any) -> InvalidInput:
    if not isinstance(detail, dict):
        return InvalidInput(" ".join(_messages(detail)))
    fields = dict(detail)
    general = fields.pop(api_settings.NON_FIELD_ERRORS_KEY, [])
    return InvalidInput(" ".join(_messages(general)), fields=_fields(fields))


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, list | tuple):
        return [m for item in detail for m in _messages(item)]
    if isinstance(detail, dict):
        return [m for item in detail.values() for m in _messages(item)]
    return [str(detail)]


def _fields(detail: dict[Any, Any], prefix: str = "") -> FieldErrors:
    """Nested serializer errors flattened to dotted names (``links.0.url``)."""
    fields: FieldErrors = {}
    for key, value in detail.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            fields.update(_fields(value, f"{name}."))
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for index, item in enumerate(value):
                if item:
                    fields.update(_fields(_as_dict(item), f"{name}.{index}."))
        else:
            fields[name] = _messages(value)
    return fields


def _as_dict(item: Any) -> dict[Any, Any]:
    return item if isinstance(item, dict) else {api_settings.NON_FIELD_ERRORS_KEY: item}


def spectacular_error_responses(result: dict[str, Any], **kwargs: Any) -> dict:
    """drf-spectacular postprocessing hook: the ``Error`` component, a
    ``default`` response referring to it on every operation, and the same
    body on every declared 4xx/5xx response that names none."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    response = {
        "description": "An error (any status of 400 and up).",
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
            }
        },
    }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict):
                responses = operation.setdefault("responses", {})
                responses.setdefault("default", response)
                for status, declared in responses.items():
                    if status[:1] in {"4", "5"} and not declared.get("content"):
                        declared["content"] = response["content"]
    return result
