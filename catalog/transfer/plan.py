"""The plan of an import (:class:`ImportPlan`): what to create, update and
replace, found by comparing a valid document with the database.

Existing rows are read once per kind, turned into the same plain values a
document record gives, and compared; only records that differ become model
instances, validated with ``full_clean()`` so that writing them cannot break a
database constraint. Planning reads and never writes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
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


@dataclass(slots=True)
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


@dataclass(slots=True)
class ChildSet:
    """The full set of child rows a parent record ends up with."""

    parent: str  # the parent's slug
    parent_pk: int | None  # None for a parent the import creates
    rows: list[tuple[Any, ...]]


@dataclass(slots=True)
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
        if not old:  # a new resource, or one that had no primary link
            return False
        new = [url for url, kind in self.wanted.items() if kind == LinkKind.PRIMARY]
        return old != new


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
    if row is None:
        instance = model_instance(model, {"slug": slug} | values)
        section_plan.create.append(Pending(index, instance, refs))
        return True
    ref_slugs = {name.removesuffix("_id"): slug for name, (_, slug) in refs.items()}
    changed = tuple(
        name for name, value in (values | ref_slugs).items() if row[name] != value
    )
    if not changed:
        return None
    instance = model_instance(model, {"pk": row["pk"], "slug": slug} | values)
    section_plan.update.append(Pending(index, instance, refs, changed))
    return False


def model_instance(model: type[models.Model], values: dict[str, Any]) -> models.Model:
    """``model(**values)`` through Django's positional path, the one its
    queries take: a third cheaper per row, which counts at 100k resources.

    ``values`` are keyed by field name or attname (``pk`` for the primary
    key), a foreign key given by id or None; fields absent take their default.
    """
    args = []
    for model_field, names in _field_names(model):
        for name in names:
            if name in values:
                args.append(values[name])
                break
        else:
            args.append(model_field.get_default())
    return model(*args)


@functools.cache
def _field_names(
    model: type[models.Model],
) -> tuple[tuple[models.Field, tuple[str, ...]], ...]:
    """Each concrete field, in the order of ``model``'s positional arguments,
    with the keys it may have in the ``values`` of :func:`model_instance`."""
    return tuple(
        (
            model_field,
            (model_field.attname, model_field.name)
            + (("pk",) if model_field.primary_key else ()),
        )
        for model_field in model._meta.concrete_fields
    )


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
    rows; a field's conversion (``to_python``) and validation of a value are
    functions of the two (foreign keys, which would read the database, are
    excluded by the caller), so the verdict is kept, and a row whose values
    were all seen before pays a dictionary lookup per field. Values that
    cannot be keys exactly (dicts, floats) are checked every time.
    """

    def __init__(self) -> None:
        self._checks: dict[tuple[type[models.Model], frozenset[str]], list] = {}

    def full_clean(self, instance: models.Model, *, exclude: set[str]) -> None:
        """As ``instance.full_clean(exclude=..., validate_unique=False,
        validate_constraints=False)``; raises the same ``ValidationError``."""
        errors: dict[str, list[ValidationError]] = {}
        for check in self._field_checks(type(instance), exclude):
            verdict = check.clean(getattr(instance, check.attname), instance)
            if verdict is _BLANK:
                continue
            value, problems = verdict
            if problems:
                # A copy: the model's clean() may add to the field's list.
                errors[check.name] = list(problems)
            else:
                setattr(instance, check.attname, value)
        try:
            instance.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _field_checks(
        self, model: type[models.Model], exclude: set[str]
    ) -> list[_FieldCheck]:
        """The fields ``clean_fields()`` would check, in its order."""
        key = (model, frozenset(exclude))
        if key not in self._checks:
            self._checks[key] = [
                _FieldCheck(model_field)
                for model_field in model._meta.fields
                if model_field.name not in exclude and not model_field.generated
            ]
        return self._checks[key]


#: The verdict on a blank field's empty value, which ``clean_fields()`` skips.
_BLANK = object()
#: Types whose values are keys exactly: equal values convert alike.
_EXACT_TYPES = frozenset({str, int, bool, date, type(None)})


class _FieldCheck:
    """One field's ``Field.clean()`` as ``clean_fields()`` calls it, with its
    verdicts kept by value: ``_BLANK``, or ``(value, None)`` (the converted
    value) or ``(value, errors)``."""

    def __init__(self, model_field: models.Field) -> None:
        self.field = model_field
        self.name = model_field.name
        self.attname = model_field.attname
        self._verdicts: dict[tuple[Any, ...], Any] = {}

    def clean(self, raw: Any, instance: models.Model) -> Any:
        key = _exact_key(raw)
        if key is None:
            return self._clean(raw, instance)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._clean(raw, instance)
        elif isinstance(raw, list) and verdict is not _BLANK and not verdict[1]:
            # Equal lists share the verdict; each row keeps its own list.
            verdict = (self.field.to_python(raw), None)
        return verdict

    def _clean(self, raw: Any, instance: models.Model) -> Any:
        if self.field.blank and raw in self.field.empty_values:
            return _BLANK
        try:
            return self.field.clean(raw, instance), None
        except ValidationError as error:
            return raw, error.error_list


def _exact_key(value: Any) -> tuple[Any, ...] | None:
    """``value`` as a dictionary key that tells apart values that convert or
    validate differently (``1`` and ``True``, ``Decimal("0.1")`` and
    ``Decimal("0.100")``), or None if it has none."""
    kind = type(value)
    if kind in _EXACT_TYPES:
        return (kind, value)
    if kind is Decimal:
        return (kind, value.as_tuple())
    if kind is list:
        items = [_exact_key(item) for item in value]
        return None if None in items else (kind, *items)
    return None
