"""The learner's own account pages: the overview and account deletion.

Sign-up, sign-in, sign-out, password change and reset are django-allauth's
views (``learners/urls.py`` includes them), in the site's layout through
``templates/allauth/``.
"""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from catalog.services import resource_feedback_tally
from roadmaps.models import ResourceFeedback
from wayfinder.errors import ApplicationError, error_response

from . import services
from .forms import AccountDeleteForm


def votes_withdraw(user: AbstractBaseUser) -> None:
    """Take the learner's votes out of the catalog's quality signals before
    their rows go (``feedback_up``/``feedback_down`` are the sum of the votes).
    One UPDATE per resource voted on."""
    per_resource = (
        ResourceFeedback.objects.filter(learner_id=user.pk)
        .values("resource_id")
        .annotate(
            up=Count("pk", filter=Q(helpful=True)),
            down=Count("pk", filter=Q(helpful=False)),
        )
    )
    for row in per_resource:
        resource_feedback_tally(
            resource_id=row["resource_id"], up=-row["up"], down=-row["down"]
        )


def api_tokens_delete(user: AbstractBaseUser) -> None:
    """The learner's issued API tokens (their rows would outlive the account
    with the user left empty)."""
    OutstandingToken.objects.filter(user_id=user.pk).delete()


#: What account deletion must do in the layers above learners, run in its
#: transaction (learners.services.account_delete cannot import them).
ACCOUNT_ERASERS = (votes_withdraw, api_tokens_delete)


@require_safe
@login_required
def account_overview(request: HttpRequest) -> TemplateResponse:
    """The "Account" page: who is signed in, and the ways to change or
    delete the account."""
    return TemplateResponse(request, "learners/account_overview.html", {})


def _protected(user: AbstractBaseUser) -> bool:
    return user.is_staff or user.is_superuser


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """What deleting the account removes, and the confirmation. A valid POST
    deletes everything, signs out and goes to the goodbye page."""
    template = "learners/account_delete.html"
    user = request.user
    context = {"protected": _protected(user)}
    if request.method == "GET":
        form = AccountDeleteForm(user=user)
        return TemplateResponse(request, template, {**context, "form": form})
    form = AccountDeleteForm(request.POST, user=user)
    if context["protected"] or not form.is_valid():
        status = 409 if context["protected"] else 400
        return TemplateResponse(
            request, template, {**context, "form": form}, status=status
        )
    try:
        services.account_delete(user=user, erasers=ACCOUNT_ERASERS)
    except ApplicationError as error:
        return error_response(
            request, error, template=template, context=context, form=form
        )
    logout(request)
    return redirect("account_goodbye")


@require_safe
def account_goodbye(request: HttpRequest) -> TemplateResponse:
    """After a deletion: what happened, and the way back."""
    return TemplateResponse(request, "learners/account_goodbye.html", {})
