"""One family of application errors, and its translation for HTML views and
management commands (the REST API's lives in ``wayfinder.api_errors``).

Services raise an :class:`ApplicationError` subclass (or Django's
``ValidationError``); each interface turns it into its own kind of answer in
one place. Every layer may import this module: it imports nothing from the
project's apps. docs/api.md lists the codes and statuses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import CommandError
from django.http import HttpRequest
from django.template.response import TemplateResponse

FieldErrors = dict[str, list[str]]
Handle = TypeVar("Handle", bound=Callable[..., Any])


class ApplicationError(Exception):
    """An error the client can understand: a stable ``code``, a ``message``
    for people, and ``fields`` mapping each bad input to its messages.

    A subclass sets ``status`` (the HTTP status) and the default ``code`` and
    ``message``. Messages of server-side errors (status 500 and up) may name
    internals, so clients are shown ``default_message`` instead
    (:attr:`public_message`); operators see the whole message.
    """

    status = 400
    code = "error"
    default_message = "The request could not be completed."

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        fields: Mapping[str, Iterable[str]] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = str(message) or self.default_message
        #: JSON-ready facts a client can act on (e.g. the running job's id).
        self.details: dict[str, Any] = dict(details or {})
        if code:
            self.code = code
        self.fields: FieldErrors = {
            str(name): [str(m) for m in messages]
            for name, messages in (fields or {}).items()
        }
        super().__init__(self.message)

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> ApplicationError:
        """The error for a Django ``ValidationError``: field messages become
        ``fields``; messages about no field in particular become the message."""
        if hasattr(error, "error_dict"):
            fields = dict(error.message_dict)
            general = fields.pop(NON_FIELD_ERRORS, [])
        else:
            fields, general = {}, error.messages
        return cls(" ".join(general), fields=fields)

    @property
    def public_message(self) -> str:
        return self.default_message if self.status >= 500 else self.message

    def as_dict(self) -> dict[str, Any]:
        """The body of an error response: ``{"code", "message", "fields"}``,
        and ``details`` when the error carries any."""
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.public_message,
            "fields": self.fields,
        }
        if self.details:
            body["details"] = self.details
        return body

    def text(self) -> str:
        """The whole message, then each field's messages on a line of their own."""
        lines = [self.message]
        for name, messages in sorted(self.fields.items()):
            lines += [f"  {name}: {message}" for message in messages]
        return "\n".join(lines)


class InvalidInput(ApplicationError):
    """The input is wrong; ``fields`` says where."""

    status = 400
    code = "invalid"
    default_message = "Invalid input."


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class Conflict(ApplicationError):
    """The request is valid but the current state does not allow it."""

    status = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."


class ServiceUnavailable(ApplicationError):
    """A service the request needs (the search engine, the database) is down."""

    status = 503
    code = "service_unavailable"
    default_message = "A service is not available right now. Try again shortly."


def application_error(error: ApplicationError | ValidationError) -> ApplicationError:
    """``error`` itself, or a Django ``ValidationError`` as an InvalidInput."""
    if isinstance(error, ValidationError):
        return InvalidInput.from_validation_error(error)
    return error


#: What the helpers below translate.
TRANSLATED = (ApplicationError, ValidationError)


# -- HTML views -------------------------------------------------------------------
def error_response(
    request: HttpRequest,
    error: ApplicationError | ValidationError,
    *,
    template: str,
    context: Mapping[str, Any] | None = None,
    form: forms.BaseForm | None = None,
) -> TemplateResponse:
    """Render ``template`` for an error, with the error's HTTP status.

    The context gets ``error`` (code, message, fields); with a ``form``, each
    field message is added to its field (or to the form when the field is not
    one of the form's) so the form shows them where the learner looks.
    """
    error = application_error(error)
    if form is not None:
        for name, messages in error.fields.items():
            form.add_error(name if name in form.fields else None, messages)
        if not error.fields:
            form.add_error(None, error.public_message)
    context = {**(context or {}), "error": error.as_dict()}
    if form is not None:
        context["form"] = form
    return TemplateResponse(request, template, context, status=error.status)


# -- management commands ------------------------------------------------------------
def command_errors(prefix: str = "") -> Callable[[Handle], Handle]:
    """Decorate a command's ``handle``: an ApplicationError (or ValidationError)
    becomes a ``CommandError``, so the command prints the message and every
    field's messages and exits 1. ``prefix`` starts the message."""

    def decorator(handle: Handle) -> Handle:
        @functools.wraps(handle)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return handle(*args, **kwargs)
            except TRANSLATED as exc:
                text = application_error(exc).text()
                raise CommandError(f"{prefix}: {text}" if prefix else text) from exc

        return wrapper  # type: ignore[return-value]

    return decorator
