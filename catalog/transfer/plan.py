"""The plan of an import (:class:`ImportPlan`): what to create, update and
replace, found by comparing a valid document with the database.

Existing rows are read once per kind, turned into the same plain values a
document record gives, and compared; only records that differ become model
instances, validated with ``full_clean()`` so that writing them cannot break a
database constraint. Planning reads and never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from taxonomy.enums import LinkKind

from .issues import ImportIssue, PathPart, issue
from .summary import ImportSummary

PROVIDER_FIELDS = ("name", "url", "trust_score")
SUBJECT_FIELDS = ("name", "description", "languages")
TOPIC_FIELDS = (
    "name",
    "summary",
    "level",
    "estimated_hours",
    "objectives",
    "mastery_kind",
    "mastery_description",
    "tags",
    "position",
)
TRACK_FIELDS = ("name", "description", "goal_kind")
GROUP_FIELDS = ("name", "description", "min_choices")
RESOURCE_FIELDS = (
    "slug",
    "title",
    "description",
    "format",
    "language",
    "duration_minutes",
    "difficulty",
    "cost",
    "age_ranges",
    "tags",
    "curator_rating",
    "freshness",
    "feedback_up",
    "feedback_down",
)
# Where a model field sits in a record, when not at the top under its own name.
FIELD_PATHS: dict[str, dict[str, tuple[str, ...]]] = {
    "topics": {
        "mastery_kind": ("mastery_check", "kind"),
        "mastery_description": ("mastery_check", "description"),
    },
    "choice_groups": {"default_member": ("default",)},
    "resources": {
        name: ("quality", name)
        for name in ("curator_rating", "freshness", "feedback_up", "feedback_down")
    },
}


@dataclass
class Pending:
    """A record to create or update; ``refs`` maps a foreign key's attname to
    the ``(section, slug)`` it points at, resolved to an id just before writing;
    ``changed`` names the fields an update writes."""

    index: int
    instance: models.Model
    refs: dict[str, tuple[str, str]]
    changed: tuple[str, ...] = ()


@dataclass
class SectionPlan:
    create: list[Pending] = field(default_factory=list)
    update: list[Pending] = field(default_factory=list)


@dataclass
class ChildSet:
    """The full set of child rows a parent record ends up with."""

    parent: str  # the parent's slug
    parent_pk: int | None  # None for a parent the import creates
    rows: list[tuple[Any, ...]]


@dataclass
class LinkChange:
    resource: str
    resource_pk: int | None
    wanted: dict[str, str]  # url -> kind, the primary included
    existing: dict[str, tuple[int, str]]  # url -> (link pk, kind)

    @property
    def primary_moved(self) -> bool:
        old = [
            url for url, (_, kind) in self.existing.items() if kind == LinkKind.PRIMARY
        ]
        new = [url for url, kind in self.wanted.items() if kind == LinkKind.PRIMARY]
        return bool(old) and old != new


@dataclass
class ImportPlan:
    """What an import writes, built by ``import_plan_build`` and written by
    ``import_plan_apply`` (the planner's ``Plan`` is another thing: a roadmap)."""

    summary: ImportSummary
    sections: dict[str, SectionPlan]
    ids: dict[str, dict[str, int]]  # section -> slug -> pk, for every known row
    prerequisites: list[ChildSet] = field(default_factory=list)
    group_prerequisites: list[ChildSet] = field(default_factory=list)
    members: list[ChildSet] = field(default_factory=list)
    targets: list[ChildSet] = field(default_factory=list)
    target_groups: list[ChildSet] = field(default_factory=list)
    coverage: list[ChildSet] = field(default_factory=list)
    links: list[LinkChange] = field(default_factory=list)
    subject_names_swap: bool = False
    issues: list[ImportIssue] = field(default_factory=list)
    translations: list = field(default_factory=list)  # translations.TranslationRow


def model_default(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name).get_default()


def decimal(value: object) -> Decimal:
    return Decimal(str(value))


def diff_row(
    *,
    plan: ImportPlan,
    section: str,
    model: type[models.Model],
    index: int,
    slug: str,
    values: dict[str, Any],
    refs: dict[str, tuple[str, str]],
    row: dict[str, Any] | None,
) -> bool | None:
    """Queue the row's create or update; True if created, False if updated,
    None if it is already as the file says."""
    section_plan = plan.sections[section]
    ref_slugs = {name.removesuffix("_id"): slug for name, (_, slug) in refs.items()}
    if row is None:
        instance = model(**({"slug": slug} | values))
        section_plan.create.append(Pending(index, instance, refs))
        return True
    changed = tuple(
        name for name, value in (values | ref_slugs).items() if row[name] != value
    )
    if not changed:
        return None
    instance = model(pk=row["pk"], **({"slug": slug} | values))
    section_plan.update.append(Pending(index, instance, refs, changed))
    return False


def record_outcome(
    plan: ImportPlan, section: str, slug: str, created: bool | None, children: bool
) -> None:
    if created:
        outcome = "created"
    elif created is False or children:
        outcome = "updated"
    else:
        outcome = "unchanged"
    plan.summary.record(kind=section, outcome=outcome, slug=slug)


def model_issues(
    section: str, pending: Pending, checked: FieldChecks | None = None
) -> list[ImportIssue]:
    """``full_clean()`` of a row about to be written, as issues at its record.

    Foreign keys are left out (the references are already checked, and each
    would cost a query), as are uniqueness and constraints, which the checks
    of the whole document guarantee without a query per row. ``checked``
    remembers each field's verdict on each value across the rows of one
    import (see :class:`FieldChecks`).
    """
    exclude = {name.removesuffix("_id") for name in pending.refs}
    try:
        (checked or FieldChecks()).full_clean(pending.instance, exclude=exclude)
    except ValidationError as error:
        paths = FIELD_PATHS.get(section, {})
        found = []
        for name, messages in error.message_dict.items():
            where: tuple[PathPart, ...] = (section, pending.index)
            if name != NON_FIELD_ERRORS:
                where += paths.get(name, (name,))
            found += [issue(where, message) for message in messages]
        return found
    return []


class FieldChecks:
    """``Model.full_clean()`` (without uniqueness and constraints) that checks
    a field's value once per import.

    Levels, formats, languages, costs, ratings and tags repeat across 100k
    rows; a field's validation of a value is a function of the two (foreign
    keys, which would read the database, are excluded by the caller), so its
    verdict is kept and each row pays only the conversion (``to_python``).
    Values that cannot be keys (dicts) are checked every time.
    """

    def __init__(self) -> None:
        self._verdicts: dict[tuple[Any, ...], list[ValidationError] | None] = {}

    def full_clean(self, instance: models.Model, *, exclude: set[str]) -> None:
        """As ``instance.full_clean(exclude=..., validate_unique=False,
        validate_constraints=False)``; raises the same ``ValidationError``."""
        errors: dict[str, list[ValidationError]] = {}
        for model_field in instance._meta.fields:
            if model_field.name in exclude or model_field.generated:
                continue
            raw = getattr(instance, model_field.attname)
            if model_field.blank and raw in model_field.empty_values:
                continue
            try:
                value = model_field.to_python(raw)
            except ValidationError as error:
                errors[model_field.name] = error.error_list
                continue
            if problems := self._verdict(model_field, value, instance):
                errors[model_field.name] = problems
            else:
                setattr(instance, model_field.attname, value)
        try:
            instance.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _verdict(
        self, model_field: models.Field, value: Any, instance: models.Model
    ) -> list[ValidationError] | None:
        key = _hashable(value)
        if key is not None:
            key = (model_field, type(value), key)
            if key in self._verdicts:
                return self._verdicts[key]
        try:
            model_field.validate(value, instance)
            model_field.run_validators(value)
            verdict = None
        except ValidationError as error:
            verdict = error.error_list
        if key is not None:
            self._verdicts[key] = verdict
        return verdict


def _hashable(value: Any) -> Any:
    """``value`` as a dictionary key (lists as tuples), or None if it cannot be one."""
    if isinstance(value, list):
        value = ("list", *(_hashable(item) for item in value))
        return None if None in value[1:] else value
    try:
        hash(value)
    except TypeError:
        return None
    return ("value", value)
