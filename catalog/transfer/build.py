"""Planning an import, kind by kind; resources have their own module."""

from __future__ import annotations

from django.db.models import Max

from catalog.models import Provider
from taxonomy.models import (
    ChoiceGroup,
    ChoiceGroupMember,
    GroupPrerequisite,
    Prerequisite,
    Subject,
    Topic,
    Track,
    TrackTarget,
)
from taxonomy.ordering import track_target_key

from .issues import UNORDERED_TARGETS as UNORDERED
from .plan import (
    GROUP_FIELDS,
    PROVIDER_FIELDS,
    SUBJECT_FIELDS,
    TOPIC_FIELDS,
    TRACK_FIELDS,
    ChildSet,
    FieldChecks,
    ImportPlan,
    SectionPlan,
    decimal,
    diff_row,
    model_default,
    model_issues,
    record_outcome,
)
from .reading import existing_children, existing_rows, slug_ids
from .resources import import_plan_resources
from .summary import ImportSummary


def import_plan_build(*, doc: dict) -> ImportPlan:
    """The writes that make the database match ``doc`` (already validated)."""
    plan = ImportPlan(
        summary=ImportSummary(),
        sections={
            "providers": SectionPlan(),
            "subjects": SectionPlan(),
            "topics": SectionPlan(),
            "choice_groups": SectionPlan(),
            "tracks": SectionPlan(),
            "resources": SectionPlan(),
        },
        ids={
            "providers": slug_ids(Provider),
            "subjects": slug_ids(Subject),
            "topics": slug_ids(Topic),
            "choice_groups": slug_ids(ChoiceGroup),
            "tracks": {},
            "resources": {},
        },
    )
    _plan_providers(plan, doc.get("providers", []))
    _plan_subjects(plan, doc.get("subjects", []))
    _plan_topics(plan, doc.get("topics", []))
    _plan_groups(plan, doc.get("choice_groups", []))
    _plan_tracks(
        plan, doc.get("tracks", []), ordered=doc.get("version") not in UNORDERED
    )
    import_plan_resources(plan, doc.get("resources", []))
    checked = FieldChecks()
    for section, section_plan in plan.sections.items():
        for pending in (*section_plan.create, *section_plan.update):
            plan.issues += model_issues(section, pending, checked)
    return plan


def _plan_providers(plan: ImportPlan, records: list[dict]) -> None:
    rows = existing_rows(Provider, PROVIDER_FIELDS, values=(r["slug"] for r in records))
    default_trust = model_default(Provider, "trust_score")
    for index, record in enumerate(records):
        values = {
            "name": record["name"],
            "url": record["url"],
            "trust_score": decimal(record.get("trust_score", default_trust)),
        }
        slug = record["slug"]
        created = diff_row(
            plan=plan,
            section="providers",
            model=Provider,
            index=index,
            slug=slug,
            values=values,
            refs={},
            row=rows.get(slug),
        )
        record_outcome(plan, "providers", slug, created, children=False)


def _plan_subjects(plan: ImportPlan, records: list[dict]) -> None:
    rows = existing_rows(Subject, SUBJECT_FIELDS, values=(r["slug"] for r in records))
    for index, record in enumerate(records):
        values = {
            "name": record["name"],
            "description": record.get("description", ""),
            "languages": sorted(set(record.get("languages", []))),
        }
        slug = record["slug"]
        created = diff_row(
            plan=plan,
            section="subjects",
            model=Subject,
            index=index,
            slug=slug,
            values=values,
            refs={},
            row=rows.get(slug),
        )
        record_outcome(plan, "subjects", slug, created, children=False)
    # Names are unique ignoring case. A subject created with, or renamed to,
    # the old name of a renamed one (a swap) would break that mid-write: the
    # renamed ones are then parked first, and the writes go in two steps.
    section = plan.sections["subjects"]
    old = {
        p.instance.slug: rows[p.instance.slug]["name"].lower() for p in section.update
    }
    freed = {
        old[p.instance.slug]
        for p in section.update
        if p.instance.name.lower() != old[p.instance.slug]
    }
    plan.subject_names_swap = any(
        p.instance.name.lower() in freed
        and p.instance.name.lower() != old.get(p.instance.slug)
        for p in (*section.create, *section.update)
    )


def _plan_topics(plan: ImportPlan, records: list[dict]) -> None:
    rows = existing_rows(
        Topic, TOPIC_FIELDS, refs=("subject",), values=(r["slug"] for r in records)
    )
    current = existing_children(
        Prerequisite,
        "topic",
        (row["pk"] for row in rows.values()),
        "requires__slug",
        "kind",
    )
    current_groups = existing_children(
        GroupPrerequisite,
        "topic",
        (row["pk"] for row in rows.values()),
        "group__slug",
        "kind",
    )
    default_kind = model_default(Prerequisite, "kind")
    positions = _positions(records, rows)
    for index, record in enumerate(records):
        slug, row = record["slug"], rows.get(record["slug"])
        mastery = record["mastery_check"]
        values = {
            "name": record["name"],
            "summary": record.get("summary", ""),
            "level": record["level"],
            "estimated_hours": decimal(record["estimated_hours"]),
            "objectives": list(record["objectives"]),
            "mastery_kind": mastery["kind"],
            "mastery_description": mastery["description"],
            "tags": list(record.get("tags", [])),
        }
        if index in positions:
            values["position"] = positions[index]
        created = diff_row(
            plan=plan,
            section="topics",
            model=Topic,
            index=index,
            slug=slug,
            values=values,
            refs={"subject_id": ("subjects", record["subject"])},
            row=row,
        )
        wanted = {
            p["topic"]: p.get("kind", default_kind)
            for p in record.get("prerequisites", [])
        }
        pk = row["pk"] if row else None
        changed = pk is None or dict(current.get(pk, [])) != wanted
        if changed and (wanted or pk is not None):
            plan.prerequisites.append(ChildSet(slug, pk, sorted(wanted.items())))
        groups_changed = _plan_group_prerequisites(
            plan, record, pk, current_groups.get(pk, []), default_kind
        )
        record_outcome(
            plan,
            "topics",
            slug,
            created,
            children=(changed or groups_changed) and pk is not None,
        )


def _plan_group_prerequisites(
    plan: ImportPlan,
    record: dict,
    pk: int | None,
    current: list[tuple],
    default_kind: str,
) -> bool:
    """Queue the topic's group prerequisites when the record lists them and
    they differ; a record without the key (a 1.0 or 1.1 file) keeps them."""
    if "group_prerequisites" not in record:
        return False
    wanted = {
        g["group"]: g.get("kind", default_kind) for g in record["group_prerequisites"]
    }
    changed = pk is None or dict(current) != wanted
    if changed and (wanted or pk is not None):
        plan.group_prerequisites.append(
            ChildSet(record["slug"], pk, sorted(wanted.items()))
        )
    return changed


def _plan_groups(plan: ImportPlan, records: list[dict]) -> None:
    rows = existing_rows(
        ChoiceGroup,
        GROUP_FIELDS,
        refs=("subject", "default_member"),
        values=(r["slug"] for r in records),
    )
    current = existing_children(
        ChoiceGroupMember,
        "group",
        (row["pk"] for row in rows.values()),
        "sort_order",
        "topic__slug",
    )
    default_least = model_default(ChoiceGroup, "min_choices")
    for index, record in enumerate(records):
        slug, row = record["slug"], rows.get(record["slug"])
        values = {
            "name": record["name"],
            "description": record.get("description", ""),
            "min_choices": record.get("min_choices", default_least),
        }
        refs = {"subject_id": ("subjects", record["subject"])}
        if record.get("default") is None:
            values["default_member"] = None
        else:
            refs["default_member_id"] = ("topics", record["default"])
        created = diff_row(
            plan=plan,
            section="choice_groups",
            model=ChoiceGroup,
            index=index,
            slug=slug,
            values=values,
            refs=refs,
            row=row,
        )
        wanted = list(record["members"])
        pk = row["pk"] if row else None
        stored = [topic for _, topic in sorted(current.get(pk, []))]
        changed = pk is None or stored != wanted
        if changed:
            plan.members.append(
                ChildSet(
                    slug, pk, [(topic, order) for order, topic in enumerate(wanted)]
                )
            )
        record_outcome(
            plan, "choice_groups", slug, created, children=changed and pk is not None
        )


def _positions(records: list[dict], rows: dict[str, dict]) -> dict[int, int]:
    """The teaching position each topic record sets, by record index.

    A record's ``position`` is taken as written. A new topic without one
    comes after its subject's topics, in file order: a curator writing a file
    lists topics in the order they teach them. An existing topic without one
    keeps its position: a version 1 file has none, and an exported one lists
    topics by slug, which says nothing of the order.
    """
    out = {i: r["position"] for i, r in enumerate(records) if "position" in r}
    new = [
        (i, r["subject"])
        for i, r in enumerate(records)
        if "position" not in r and r["slug"] not in rows
    ]
    if not new:
        return out
    last: dict[str, int] = dict(
        Topic.objects.order_by()
        .values("subject__slug")
        .annotate(last=Max("position"))
        .values_list("subject__slug", "last")
    )
    for i, position in out.items():
        subject = records[i]["subject"]
        last[subject] = max(last.get(subject) or 0, position)
    for i, subject in new:
        last[subject] = out[i] = (last.get(subject) or 0) + 1
    return out


def _plan_tracks(plan: ImportPlan, records: list[dict], *, ordered: bool) -> None:
    rows = existing_rows(
        Track, TRACK_FIELDS, refs=("subject",), values=(r["slug"] for r in records)
    )
    current = existing_children(
        TrackTarget,
        "track",
        (row["pk"] for row in rows.values()),
        "sort_order",
        "topic__position",
        "topic__slug",
    )
    current_groups = existing_children(
        Track.target_groups.through,
        "track",
        (row["pk"] for row in rows.values()),
        "choicegroup__slug",
    )
    plan.ids["tracks"] = {slug: row["pk"] for slug, row in rows.items()}
    default_goal = model_default(Track, "goal_kind")
    for index, record in enumerate(records):
        slug, row = record["slug"], rows.get(record["slug"])
        values = {
            "name": record["name"],
            "description": record.get("description", ""),
            "goal_kind": record.get("goal_kind", default_goal),
        }
        created = diff_row(
            plan=plan,
            section="tracks",
            model=Track,
            index=index,
            slug=slug,
            values=values,
            refs={"subject_id": ("subjects", record["subject"])},
            row=row,
        )
        pk = row["pk"] if row else None
        changed, targets = _targets_wanted(
            record["targets"], current.get(pk, []), ordered=ordered
        )
        changed = changed or pk is None
        if changed:
            plan.targets.append(ChildSet(slug, pk, targets))
        groups_changed = False
        if "target_groups" in record:  # a 1.0 or 1.1 file keeps them
            wanted = sorted(set(record["target_groups"]))
            stored = sorted(g for (g,) in current_groups.get(pk, []))
            groups_changed = pk is None or stored != wanted
            if groups_changed and (wanted or pk is not None):
                plan.target_groups.append(ChildSet(slug, pk, [(g,) for g in wanted]))
        record_outcome(
            plan,
            "tracks",
            slug,
            created,
            children=(changed or groups_changed) and pk is not None,
        )


def _targets_wanted(
    listed: list[str], stored: list[tuple], *, ordered: bool
) -> tuple[bool, list[tuple[str, int | None]]]:
    """Whether a track's targets change, and the rows (slug, sort order) to write.

    Since format 1.3 the list's order is the curator's order: a file that
    lists the same targets in another order changes the track. An older
    file's list says nothing of the order: the same set of targets keeps the
    stored order, and a changed set is written without numbers, so the
    targets read in teaching position order (``track_target_key``).
    """
    wanted = list(dict.fromkeys(listed))
    if ordered:
        current = [
            slug for *_, slug in sorted(stored, key=lambda r: track_target_key(*r))
        ]
        return current != wanted, [(t, order) for order, t in enumerate(wanted)]
    current = sorted(slug for *_, slug in stored)
    return current != sorted(wanted), [(t, None) for t in sorted(wanted)]
