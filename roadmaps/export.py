"""The roadmap export: one version's state as the JSON document partners build on.

``export_document`` shapes a version (its roadmap, schedule, the learner's
progress, steps, ranked resources, the unreviewed suggestions kept apart from
them, and prerequisite edges) as the document
``schemas/roadmap-export.v1.schema.json`` defines; ``export_bytes`` writes its
canonical text, so the same state always gives the same bytes and the sha256
of the bytes names the content; ``export_validate`` holds a document to the
schema. docs/export-contract.md explains every field.

Machine fields hold only catalog and planner data and the learner's own
input; the step summary, which a language model may have phrased, lives only
under each step's ``display`` object.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Exists, Subquery

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from learners.models import LearnerProfile
from sources.selectors import Suggestion, candidates_suggested
from taxonomy.enums import AgeRange, Cost

from .models import Roadmap, RoadmapStep, RoadmapVersion, StepResource, StepState
from .selectors import version_steps

#: The version a document carries. Additive changes move the minor number;
#: a breaking change is a new schema file (docs/export-contract.md).
SCHEMA_VERSION = "1.3"
SCHEMA_MAJOR = 1
EXPORT_FORMAT = "wayfinder.roadmap-export"
SCHEMA_PATH = Path(settings.BASE_DIR) / "schemas" / "roadmap-export.v1.schema.json"

_CENT = Decimal("0.01")
_TEN_THOUSANDTH = Decimal("0.0001")


class ExportInvalid(Exception):
    """A document breaks the export contract: a bug in the exporter, never
    something a learner did. The message names the place and the rule."""


# -- the document ---------------------------------------------------------------------
#: Operator facts kept off partners' exports: where the LLM endpoint lives.
PRIVATE_MODEL_KEYS = frozenset({"host"})


def public_model_versions(record: dict) -> dict:
    """A version's model record without what only operators should see."""
    return {k: v for k, v in record.items() if k not in PRIVATE_MODEL_KEYS}


def export_document(version: RoadmapVersion) -> dict[str, Any]:
    """The export document of ``version`` as it is now.

    Steps come in position order and each step's resources in rank order;
    prerequisite edges are ordered by the dependent step's position, then
    the prerequisite's. ``generated_at`` is the version's ``changed_at`` (the
    time of its last change, not of the request). Resource metadata comes
    from the catalog row while it exists, and is null once it is deleted.
    A fixed number of queries for any number of steps.
    """
    roadmap = version.roadmap
    steps = version_steps(version=version)
    suggested = step_suggestions(roadmap=roadmap, steps=steps)
    return {
        "format": EXPORT_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "generated_at": _instant(version.changed_at),
        "catalog_version": version.catalog_version,
        "planner_version": version.planner_version,
        "model_versions": public_model_versions(version.model_versions or {}),
        "input_profile_hash": version.input_profile_hash or None,
        "roadmap": _roadmap(roadmap, version),
        "schedule": _schedule(version),
        "progress": _progress(steps),
        "steps": [_step(step, suggested.get(step.pk, [])) for step in steps],
        "prerequisites": _edges(steps),
    }


def step_id(topic_slug: str) -> str:
    """A step's id in the export: stable across versions for the same topic."""
    return f"step-{topic_slug}"


def _roadmap(roadmap: Roadmap, version: RoadmapVersion) -> dict[str, Any]:
    track = roadmap.track
    return {
        "id": roadmap.pk,
        "version": version.number,
        "title": roadmap.title,
        "subject": {"slug": roadmap.subject_slug, "name": roadmap.subject_name},
        "track": {"slug": track.slug, "name": track.name} if track else None,
    }


def _schedule(version: RoadmapVersion) -> dict[str, Any]:
    return {
        "start_date": _date(version.start_date),
        "end_date": _date(version.end_date),
        "weekly_hours": _hours(version.weekly_hours),
        "total_hours": _hours(version.total_hours),
        "timeRequired": _duration_hours(version.total_hours),
        "feasible": version.feasible,
        "shortfall": _shortfall(version.shortfall),
    }


def _shortfall(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    # Stored as the planner's floats: written here as fixed decimals, so the
    # text does not depend on how a float happens to print.
    if not stored:
        return None
    return {
        "hours_needed": _hours(stored["hours_needed"]),
        "hours_available": _hours(stored["hours_available"]),
        "weekly_hours_needed": _hours(stored["weekly_hours_needed"]),
        "earliest_feasible_deadline": stored["earliest_feasible_deadline"],
        "narrower_tracks": [
            {"slug": t["slug"], "name": t["name"], "hours": _hours(t["hours"])}
            for t in stored.get("narrower_tracks", ())
        ],
    }


def _progress(steps: list[RoadmapStep]) -> dict[str, Any]:
    def hours_in(*states: str) -> str:
        return _hours(sum((s.hours for s in steps if s.state in states), Decimal(0)))

    counts = Counter(step.state for step in steps)
    following = next((s for s in steps if s.state == StepState.ACTIVE), None)
    return {
        "steps_total": len(steps),
        "steps_locked": counts[StepState.LOCKED],
        "steps_active": counts[StepState.ACTIVE],
        "steps_completed": counts[StepState.COMPLETED],
        "steps_skipped": counts[StepState.SKIPPED],
        "mastery_passed": sum(1 for s in steps if s.mastery_passed_at is not None),
        "hours_completed": hours_in(StepState.COMPLETED),
        "hours_skipped": hours_in(StepState.SKIPPED),
        "hours_remaining": hours_in(StepState.LOCKED, StepState.ACTIVE),
        "next_step": step_id(following.topic_slug) if following else None,
    }


def _step(step: RoadmapStep, suggested: list[Suggestion]) -> dict[str, Any]:
    return {
        "id": step_id(step.topic_slug),
        "position": step.position,
        "topic": step.topic_slug,
        "name": step.title,
        "teaches": list(step.objectives),
        "recommended": step.recommended,
        "carried": step.carried,
        "no_resource": (
            {"code": step.no_resource, "reason": step.no_resource_reason}
            if step.no_resource
            else None
        ),
        "fits_deadline": step.fits_deadline,
        "choice": (
            {
                "group": step.chosen_from,
                "reason": step.choice_reason,
                "note": step.choice_note,
            }
            if step.chosen_from
            else None
        ),
        "mastery": {
            "kind": step.mastery_kind,
            "description": step.mastery_description,
        },
        "hours": _hours(step.hours),
        "timeRequired": _duration_hours(step.hours),
        "schedule": {
            "start_date": _date(step.start_date),
            "end_date": _date(step.end_date),
            "first_week": step.first_week,
            "last_week": step.last_week,
        },
        "progress": {
            "state": step.state,
            "pinned": step.pinned,
            "notes": step.notes,
            "started_at": _instant(step.started_at),
            "completed_at": _instant(step.completed_at),
            "skipped_at": _instant(step.skipped_at),
            "mastery_passed_at": _instant(step.mastery_passed_at),
            "mastery_note": step.mastery_note,
        },
        "resources": [_resource(row) for row in step.resources.all()],
        # Never curated: a list of its own, each marked ``reviewed: false``.
        "suggested": [_suggested(s) for s in suggested],
        # The one place for text a language model may have phrased.
        "display": {"summary": step.summary},
    }


def _resource(row: StepResource) -> dict[str, Any]:
    # ``resource`` is None once the catalog row is deleted: the step keeps
    # what it recorded (slug, title, url, score), the metadata turns null.
    resource = row.resource
    provider = resource.provider if resource is not None else None
    return {
        "rank": row.position,
        "identifier": row.resource_slug,
        "name": row.title,
        "url": row.url or None,
        "in_catalog": resource is not None,
        "provider": (
            {"slug": provider.slug, "name": provider.name, "url": provider.url}
            if provider is not None
            else None
        ),
        "inLanguage": resource.language if resource else None,
        "learningResourceType": resource.format if resource else None,
        "educationalLevel": resource.difficulty if resource else None,
        "cost": resource.cost if resource else None,
        "isAccessibleForFree": resource.cost == Cost.FREE if resource else None,
        "timeRequired": (
            _duration(resource.duration_minutes * 60) if resource else None
        ),
        "score": str(Decimal(row.score).quantize(_TEN_THOUSANDTH, ROUND_HALF_UP)),
        "language_fallback": row.language_fallback,
        "pinned": row.pinned,
    }


def _suggested(suggestion: Suggestion) -> dict[str, Any]:
    return {
        "reviewed": False,
        "source": suggestion.source,
        "name": suggestion.title,
        "url": suggestion.url,
        "provider": {
            "name": suggestion.provider_name,
            "url": suggestion.provider_url or None,
        },
        "inLanguage": suggestion.language or None,
        "learningResourceType": suggestion.format,
        "timeRequired": (
            _duration(suggestion.duration_minutes * 60)
            if suggestion.duration_minutes
            else None
        ),
        "language_fallback": suggestion.language_fallback,
    }


# -- unreviewed suggestions -----------------------------------------------------------
def step_suggestions(
    *, roadmap: Roadmap, steps: Iterable[RoadmapStep]
) -> dict[int, list[Suggestion]]:
    """Unreviewed candidates for the ``steps`` that have no curated resource,
    by step id, as the roadmap's learner may see them (sources.selectors,
    ``candidates_suggested``): in the profile's language, adults only. One
    query whatever the number of steps (the profile is read inside it); none
    when every step has resources. The page and the export both use this.
    """
    bare: dict[int, list[int]] = {}
    for step in steps:
        if step.topic_id is not None and not step.resources.all():
            bare.setdefault(step.topic_id, []).append(step.pk)
    if not bare:
        return {}
    profile = LearnerProfile.objects.filter(pk=roadmap.profile_id)
    found = candidates_suggested(
        topic_ids=bare,
        language=Subquery(profile.values("language")[:1]),
        adult=Exists(profile.filter(age_range=AgeRange.ADULT).values("pk")),
    )
    return {
        step_id: rows for topic_id, rows in found.items() for step_id in bare[topic_id]
    }


def _edges(steps: list[RoadmapStep]) -> list[dict[str, str]]:
    position = {s.topic_slug: s.position for s in steps}
    edges = [
        (step.position, position.get(other, 0), other, step.topic_slug, kind)
        for step in steps
        for kind, others in (
            ("required", step.requires),
            ("recommended", step.recommends),
        )
        for other in others
    ]
    return [
        {"from": step_id(other), "to": step_id(topic), "kind": kind}
        for _, _, other, topic, kind in sorted(edges)
    ]


# -- canonical values ---------------------------------------------------------------
def _instant(value: datetime | None) -> str | None:
    """UTC, whole seconds, ``Z``: one spelling per instant."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(value: date) -> str:
    return value.isoformat()


def _decimal(value: Decimal | float | int | str) -> Decimal:
    # str() first: a float becomes the decimal it prints as, not its binary value.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _hours(value: Decimal | float | int | str) -> str:
    """Hours as a fixed decimal with two places: ``"2.50"``."""
    return str(_decimal(value).quantize(_CENT, ROUND_HALF_UP))


def _duration_hours(value: Decimal | float | int | str) -> str:
    seconds = (_decimal(value) * 3600).quantize(Decimal(1), ROUND_HALF_UP)
    return _duration(int(seconds))


def _duration(seconds: int) -> str:
    """An ISO 8601 duration in hours, minutes and seconds (``PT2H30M``);
    never days, which ISO 8601 does not fix at 24 hours."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "H"), (minutes, "M"), (seconds, "S")]
    text = "".join(f"{n}{unit}" for n, unit in parts if n)
    return f"PT{text or '0S'}"


# -- bytes and validation -------------------------------------------------------------
def export_bytes(document: dict[str, Any]) -> bytes:
    """The canonical text of a document, UTF-8 encoded: keys sorted, no
    whitespace, characters as they are (no ``\\u`` escapes), no NaN. Equal
    documents give equal bytes."""
    text = json.dumps(
        document,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return text.encode("utf-8")


@functools.cache
def export_schema() -> dict[str, Any]:
    """The export's JSON Schema (schemas/roadmap-export.v1.schema.json)."""
    return json.loads(export_schema_bytes())


@functools.cache
def export_schema_bytes() -> bytes:
    """The schema file as it is served."""
    return SCHEMA_PATH.read_bytes()


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(export_schema())


def export_validate(document: dict[str, Any]) -> None:
    """Hold ``document`` to the schema, and its edges to its steps.

    Raises ExportInvalid naming the first problem found: the JSON path and
    the schema's complaint, a repeated step id, or an edge whose end is not
    a step of the document.
    """
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        where = error.json_path
        raise ExportInvalid(f"The export breaks its schema at {where}: {error.message}")
    ids = Counter(step["id"] for step in document["steps"])
    repeated = sorted(i for i, n in ids.items() if n > 1)
    if repeated:
        raise ExportInvalid(f"The export repeats step ids: {', '.join(repeated)}.")
    dangling = sorted(_dangling(document["prerequisites"], set(ids)))
    if dangling:
        raise ExportInvalid(
            f"Prerequisite edges name steps the export lacks: {', '.join(dangling)}."
        )


def _dangling(edges: Iterable[dict[str, str]], ids: set[str]) -> set[str]:
    return {end for edge in edges for end in (edge["from"], edge["to"])} - ids
