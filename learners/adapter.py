"""django-allauth's adapter for Wayfinder (``ACCOUNT_ADAPTER``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from allauth.account.adapter import DefaultAccountAdapter

# Messages for pages outside the account pages, which show none: the header
# already says who is signed in, and a message left in the session would
# surface later on an unrelated page (a roadmap's step panel).
SILENT_MESSAGES = frozenset(
    {
        "account/messages/logged_in.txt",
        "account/messages/logged_out.txt",
        "account/messages/email_confirmation_sent.txt",
    }
)


class AccountAdapter(DefaultAccountAdapter):
    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        if message_template in SILENT_MESSAGES:
            return
        super().add_message(
            request,
            level,
            message_template=message_template,
            message_context=message_context,
            extra_tags=extra_tags,
            message=message,
        )
