"""Learners' votes on resources: one per learner and resource, changeable,
added up into the catalog's quality signals that ranking reads."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef

from catalog.models import Resource
from catalog.services import resource_feedback_tally
from wayfinder.errors import Conflict, InvalidInput, NotFound

from ..models import SHORT_NOTE_MAX_LENGTH, ResourceFeedback, StepResource


def _step_resource(
    *, roadmap_id: int, step_id: int, resource_id: int, actor: AbstractBaseUser
) -> StepResource:
    row = (
        StepResource.objects.filter(
            pk=resource_id,
            step_id=step_id,
            step__version__roadmap_id=roadmap_id,
            step__version__roadmap__owner_id=actor.pk,
        )
        .only("pk", "resource_id", "title")
        # The key has no database constraint (``models.UNCHECKED``): a store
        # that raced a catalog delete can hold the id of a row that is gone.
        .annotate(
            in_catalog=Exists(Resource.objects.filter(pk=OuterRef("resource_id")))
        )
        .first()
    )
    if row is None:
        raise NotFound("No such resource on this step.")
    if not row.in_catalog:
        raise Conflict(
            "This resource has left the catalog: it can no longer be rated.",
            code="resource_gone",
        )
    return row


@transaction.atomic
def resource_feedback_set(
    *,
    roadmap_id: int,
    step_id: int,
    resource_id: int,
    actor: AbstractBaseUser,
    helpful: bool | None,
    reason: str = "",
) -> ResourceFeedback | None:
    """Record the actor's vote on a resource of one of their steps (by its
    StepResource id): ``helpful`` True or False, with an optional reason, or
    None to withdraw the vote. Voting again changes the one vote. The
    resource's ``feedback_up``/``feedback_down`` move with the vote, in the
    same transaction. Returns the vote (None once withdrawn)."""
    if len(reason) > SHORT_NOTE_MAX_LENGTH:
        raise InvalidInput(
            fields={
                "reason": [f"The reason is at most {SHORT_NOTE_MAX_LENGTH} characters."]
            }
        )
    row = _step_resource(
        roadmap_id=roadmap_id, step_id=step_id, resource_id=resource_id, actor=actor
    )
    # One learner's votes in turn: two first votes at once must not both insert.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).exists()
    vote = (
        ResourceFeedback.objects.select_for_update()
        .filter(learner_id=actor.pk, resource_id=row.resource_id)
        .first()
    )
    before = None if vote is None else vote.helpful
    if helpful is None:
        if vote is not None:
            vote.delete()
        _tally(row.resource_id, before, None)
        return None
    if vote is None:
        vote = ResourceFeedback(learner_id=actor.pk, resource_id=row.resource_id)
    vote.helpful, vote.reason = helpful, reason
    vote.full_clean(exclude=["learner", "resource"])
    vote.save()
    _tally(row.resource_id, before, helpful)
    return vote


def _tally(resource_id: int, before: bool | None, after: bool | None) -> None:
    if before == after:
        return
    up = (after is True) - (before is True)
    down = (after is False) - (before is False)
    resource_feedback_tally(resource_id=resource_id, up=up, down=down)
