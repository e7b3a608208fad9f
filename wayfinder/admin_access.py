"""Learners are sent from the Wagtail admin to their own pages.

Wagtail refuses a signed-in user without ``wagtailadmin.access_admin`` by
sending them to the admin's sign-in with "You do not have permission to
access the admin": a dead end for a learner, who has no other account. The
middleware answers first and sends them to My roadmaps with a message.
Curators (the permission), staff and superusers reach the admin as before;
anonymous visitors get the admin's own sign-in (curators sign in there).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

ADMIN_PERMISSION = "wagtailadmin.access_admin"
LEARNER_IN_ADMIN_MESSAGE = (
    "The admin is where curators edit the catalog. Your roadmaps are here."
)


def is_learner(user) -> bool:
    """Signed in, yet neither staff nor allowed into the Wagtail admin."""
    return (
        user.is_authenticated
        and not user.is_staff
        and not user.has_perm(ADMIN_PERMISSION)
    )


class LearnersOutOfAdminMiddleware:
    """A learner opening any ``/admin/`` URL goes to ``roadmaps:list`` (302)
    with :data:`LEARNER_IN_ADMIN_MESSAGE`; everyone else passes through.
    After ``AuthenticationMiddleware`` and ``MessageMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        admin = reverse("wagtailadmin_home")
        if request.path.startswith(admin) and is_learner(request.user):
            messages.info(request, LEARNER_IN_ADMIN_MESSAGE)
            return redirect("roadmaps:list")
        return self.get_response(request)
