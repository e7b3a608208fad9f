"""Helpers shared by the curator admin tests: users, URLs and form data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import Group
from django.urls import reverse

from wagtail.test.utils.form_data import inline_formset, nested_form_data

from catalog.groups import CURATORS_GROUP
from catalog.models import Resource
from taxonomy.models import Topic, Track
from tests.factories import UserFactory


def curator_user(username: str = "curator") -> Any:
    """A user in the Curators group that post_migrate created."""
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    return user


def learner_user(username: str = "learner") -> Any:
    """A signed-up learner: no group, no admin access."""
    return UserFactory(username=username)


def snippet_url(model: type, view: str, *args: Any) -> str:
    """``snippet_url(Topic, "edit", pk)``: a URL of the model's snippet viewset."""
    return reverse(model.snippet_viewset.get_url_name(view), args=args)


def topic_form_data(
    topic: Topic | None = None,
    *,
    prerequisites: Sequence[dict[str, Any]] = (),
    initial: int = 0,
    group_prerequisites: Sequence[dict[str, Any]] = (),
    initial_groups: int = 0,
    translations: Sequence[dict[str, Any]] = (),
    **fields: Any,
) -> dict[str, Any]:
    """POST data for the topic create/edit form.

    ``prerequisites`` are rows such as ``{"requires": pk}`` (kind defaults to
    required);
    ``initial`` is how many of them are existing rows (they carry an ``id``).
    ``group_prerequisites`` (rows such as ``{"group": pk}``) and
    ``initial_groups`` are the same for the prerequisite choice groups.
    """
    data = {
        "name": "Loops",
        "slug": "loops",
        "subject": "",
        "level": "beginner",
        "estimated_hours": "3",
        "summary": "Repeat things.",
        "objectives": "Write a for loop\nWrite a while loop",
        "mastery_kind": "quiz",
        "mastery_description": "Answer five questions.",
        "tags": "",
    }
    if topic is not None:
        data.update(
            name=topic.name,
            slug=topic.slug,
            subject=topic.subject_id,
            level=topic.level,
            estimated_hours=str(topic.estimated_hours),
            summary=topic.summary,
            objectives="\n".join(topic.objectives),
            mastery_kind=topic.mastery_kind,
            mastery_description=topic.mastery_description,
            tags=", ".join(topic.tags),
        )
    data.update(fields)
    rows = [{"kind": "required", **row} for row in prerequisites]
    data["prerequisites"] = inline_formset(rows, initial=initial)
    groups = [{"kind": "required", **row} for row in group_prerequisites]
    data["group_prerequisites"] = inline_formset(groups, initial=initial_groups)
    # Names in other languages: rows such as {"language": "es", "name": ...}.
    names = [{"name": "", "aliases": "", **row} for row in translations]
    data["translations"] = inline_formset(names)
    return nested_form_data(data)


def resource_form_data(
    resource: Resource,
    *,
    links: list[dict[str, Any]],
    topics: list[dict[str, Any]],
    initial_links: int = 0,
    initial_topics: int = 0,
) -> dict[str, Any]:
    """POST data for the resource edit form with the given inline rows."""
    data = {
        "title": resource.title,
        "slug": resource.slug,
        "provider": resource.provider_id,
        "description": resource.description,
        "format": resource.format,
        "language": resource.language,
        "difficulty": resource.difficulty,
        "duration_minutes": str(resource.duration_minutes),
        "cost": resource.cost,
        "age_ranges": ", ".join(resource.age_ranges),
        "tags": ", ".join(resource.tags),
        "curator_rating": str(resource.curator_rating),
        "freshness": "",
        "feedback_up": "0",
        "feedback_down": "0",
        "topic_coverage": inline_formset(topics, initial=initial_topics, min=1),
        "links": inline_formset(links, initial=initial_links, min=1),
    }
    return nested_form_data(data)


def track_form_data(
    track: Track | None,
    *,
    targets: Sequence[Topic],
    target_groups: Sequence[Any] = (),
    translations: Sequence[dict[str, Any]] = (),
    **fields: Any,
) -> dict[str, Any]:
    """POST data for the track create/edit form with ``targets`` in that order.

    The track's stored target rows are posted as the formset's initial rows
    (those not in ``targets`` marked deleted), new ones after them; each row's
    ``ORDER`` is the place ``targets`` gives it, as Wagtail's drag handles set it.
    """
    data: dict[str, Any] = {"name": "", "slug": "", "subject": "", "goal_kind": "skill"}
    if track is not None:
        data.update(
            name=track.name,
            slug=track.slug,
            subject=track.subject_id,
            goal_kind=track.goal_kind,
            description=track.description,
        )
    data.update(fields)
    order = {topic.pk: place for place, topic in enumerate(targets, start=1)}
    stored = list(track.target_links.order_by("pk")) if track is not None else []
    rows = [
        {
            "id": link.pk,
            "topic": link.topic_id,
            "ORDER": order.get(link.topic_id, ""),
            "DELETE": "" if link.topic_id in order else "on",
        }
        for link in stored
    ]
    had = {link.topic_id for link in stored}
    rows += [
        {"id": "", "topic": topic.pk, "ORDER": order[topic.pk], "DELETE": ""}
        for topic in targets
        if topic.pk not in had
    ]
    data["target_links"] = inline_formset(rows, initial=len(stored), min=1)
    names = [{"name": "", "aliases": "", **row} for row in translations]
    data["translations"] = inline_formset(names)
    form = nested_form_data(data)
    # A blank checkbox is not posted at all; a multiple choice posts a list.
    form = {k: v for k, v in form.items() if v != "" or not k.endswith("DELETE")}
    form["target_groups"] = [group.pk for group in target_groups]
    return form
