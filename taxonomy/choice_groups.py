"""Choice groups: the rules a group keeps and its one write.

A choice group offers alternatives ("one of Flask, Django"); the planner
picks the member(s) for each learner. The admin's form, the API and the
import keep the same rules (docs/curating.md, "Choice groups"); the first two
call :func:`choice_group_check` and :func:`choice_group_save`, the import
checks whole documents the same way (``catalog.transfer.checks``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from planner.domain.graph import cycle_if_added, format_cycle

from .models import ChoiceGroup, ChoiceGroupMember, Subject, Topic
from .services import (
    MIN_GROUP_MEMBERS,
    catalog_record_apply,
    catalog_record_differs,
    catalog_version_lock,
    group_node,
    prerequisite_edges,
    prerequisite_node_names,
)


def choice_group_check(
    *,
    group: ChoiceGroup,
    subject: Subject | None,
    members: Sequence[Topic],
    min_choices: int | None,
    default: Topic | None,
) -> None:
    """Refuse a choice group that breaks a rule (docs/curating.md, "Choice groups").

    ``members`` (in order) replace the group's members. The rules: each topic
    once, at least 2 members, all of ``subject``; ``min_choices`` at most the
    number of members; ``default`` one of them; and no member requires the
    group, directly or through other topics and groups (a cycle). Raises
    ``ValidationError`` keyed by ``members``, ``min_choices`` and
    ``default_member``, naming the topics (and the cycle).
    """
    errors: dict[str, list[str]] = defaultdict(list)
    slugs = [topic.slug for topic in members]
    repeated = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if repeated:
        errors["members"].append(
            f"Each member may be listed once; listed more than once: {', '.join(repeated)}."
        )
    distinct = list(dict.fromkeys(members))
    if len(distinct) < MIN_GROUP_MEMBERS:
        errors["members"].append(
            f"A choice group needs at least {MIN_GROUP_MEMBERS} members; "
            f"it has {len(distinct)}."
        )
    if subject is not None:
        strangers = [t for t in distinct if t.subject_id != subject.pk]
        if strangers:
            listed = ", ".join(f"{t.slug} ({t.subject})" for t in strangers)
            errors["members"].append(
                f"Members must be topics of the group's subject, {subject}: "
                f"{listed} {'is' if len(strangers) == 1 else 'are'} not."
            )
    if min_choices is not None and distinct and min_choices > len(distinct):
        errors["min_choices"].append(
            f"At least {min_choices} of {len(distinct)} members cannot be chosen: "
            f"at most {len(distinct)}."
        )
    if default is not None and default not in distinct:
        errors["default_member"].append(
            f"The default, {default.slug}, is not a member of the group."
        )
    if group.pk is not None and not errors:
        cycle = _group_cycle(group=group, members=distinct)
        if cycle:
            errors["members"].append(f"A member cannot require its own group: {cycle}.")
    if errors:
        raise ValidationError(dict(errors))


def _group_cycle(*, group: ChoiceGroup, members: Sequence[Topic]) -> str | None:
    """The cycle the members would close through the group, named, or None."""
    edges = prerequisite_edges(exclude_group_id=group.pk)
    node = group_node(group.pk)
    for member in members:
        cycle = cycle_if_added(edges, node, member.pk)
        if cycle:
            names = prerequisite_node_names()
            names[node] = f"{group.slug} (group)"
            return format_cycle(names[step] for step in cycle)
        edges[node].add(member.pk)
    return None


@transaction.atomic
def choice_group_save(
    *,
    group: ChoiceGroup,
    changes: Mapping[str, Any],
    members: Sequence[Topic] | None = None,
) -> ChoiceGroup:
    """Create or change a choice group and, when given, replace its members
    (in the order given: the curator's order).

    ``changes`` maps field names (``default_member`` included) to validated
    values. Holds the catalog-version lock from the checks to the commit, as
    topic writes do. A change that changes nothing writes nothing. Raises
    ``ValidationError`` (see :func:`choice_group_check`) and the group's own
    field errors; the catalog version moves once.
    """
    catalog_version_lock()
    current = (
        list(group.members.order_by("sort_order").values_list("topic_id", flat=True))
        if group.pk is not None
        else []
    )
    wanted = None if members is None else [topic.pk for topic in members]
    if (
        group.pk is not None
        and (wanted is None or wanted == current)
        and not catalog_record_differs(group, changes)
    ):
        return group
    if group.pk is None and members is None:
        raise ValidationError(
            {"members": f"A choice group needs at least {MIN_GROUP_MEMBERS} members."}
        )
    listed = (
        list(members)
        if members is not None
        else list(Topic.objects.filter(choice_memberships__group=group))
    )
    subject = changes.get("subject", group.subject if group.subject_id else None)
    choice_group_check(
        group=group,
        subject=subject,
        members=listed,
        min_choices=changes.get("min_choices", group.min_choices),
        default=changes.get("default_member", group.default_member),
    )
    catalog_record_apply(group, changes)
    group.save()
    if wanted is not None and wanted != current:
        ChoiceGroupMember.objects.filter(group=group).delete()
        for order, topic_id in enumerate(wanted):
            ChoiceGroupMember.objects.create(
                group=group, topic_id=topic_id, sort_order=order
            )
    return group
