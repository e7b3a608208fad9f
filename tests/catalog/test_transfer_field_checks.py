"""The import's field checks give the verdicts and values of ``full_clean()``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalog.models import Provider, Resource
from catalog.transfer.plan import FieldChecks, model_instance
from taxonomy.models import ChoiceGroup, Subject, Topic, Track

# Values that are valid for some field and not for others, and pairs that are
# equal yet convert or validate apart (1 and True, 0.1 and 0.100).
POOL: list[Any] = [
    "",
    " ",
    "x",
    "A Title",
    "a" * 300,
    "UPPER",
    "slug-ok",
    "video",
    "en",
    "xx",
    "beginner",
    "free",
    "skill",
    "quiz",
    "adult",
    "https://example.org/",
    "not a url",
    -1,
    0,
    1,
    3,
    6,
    10**7,
    True,
    False,
    None,
    0.5,
    Decimal("0.1"),
    Decimal("0.100"),
    Decimal("1"),
    Decimal("1.00"),
    Decimal("1234.5"),
    Decimal("NaN"),
    date(2020, 1, 1),
    "2020-01-01",
    "2020-13-01",
    [],
    ["a"],
    ["adult"],
    ["child", "adult"],
    ["nope"],
    [1],
    [True],
    ["x" * 300],
    ["en", "en"],
    {"a": 1},
]
#: Each model with the foreign keys the import leaves out of the checks.
MODELS: list[tuple[type[models.Model], set[str]]] = [
    (Resource, {"provider"}),
    (Topic, {"subject"}),
    (Provider, set()),
    (Subject, set()),
    (ChoiceGroup, {"subject", "default_member"}),
    (Track, {"subject"}),
]
# One for the whole run, as for a whole import: every example meets the
# verdicts the earlier ones left.
CHECKED = FieldChecks()


def _outcome(instance: models.Model, clean: Any) -> tuple[Any, ...]:
    """What a check did: its errors or exception, and the fields' values."""
    try:
        clean()
    except ValidationError as error:
        result: Any = sorted(error.message_dict.items())
    except Exception as error:  # noqa: BLE001 - both sides must raise alike
        result = type(error)
    else:
        result = None
    values = []
    for model_field in instance._meta.concrete_fields:
        value = getattr(instance, model_field.attname)
        values.append((model_field.attname, type(value), repr(value)))
    return result, values


def _id(value: object) -> str:
    """A test id that is the same in every process: a model's label, or the
    excluded field names sorted (a set's own order changes with the hash
    seed, and pytest-xdist refuses workers that collect different ids)."""
    if isinstance(value, type):
        return value._meta.label
    return ",".join(sorted(value)) or "none"


@pytest.mark.parametrize(("model", "exclude"), MODELS, ids=_id)
@hypothesis_settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_field_checks_agree_with_full_clean(
    model: type[models.Model], exclude: set[str], data: st.DataObject
) -> None:
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in exclude
    ]
    values = {name: data.draw(st.sampled_from(POOL), label=name) for name in names}
    ours, theirs = model(**values), model(**values)
    expected = _outcome(
        theirs,
        lambda: theirs.full_clean(
            exclude=exclude, validate_unique=False, validate_constraints=False
        ),
    )
    got = _outcome(ours, lambda: CHECKED.full_clean(ours, exclude=exclude))
    assert got == expected


def test_a_row_keeps_its_own_list_when_an_equal_one_was_checked() -> None:
    checks = FieldChecks()
    first, second = Resource(tags=["a"]), Resource(tags=["a"])
    for instance in (first, second):
        with pytest.raises(ValidationError):
            checks.full_clean(instance, exclude={"provider"})
    assert first.tags == second.tags
    assert first.tags is not second.tags


@pytest.mark.parametrize("model", [model for model, _ in MODELS], ids=_id)
@hypothesis_settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_model_instance_holds_what_the_keyword_constructor_holds(
    model: type[models.Model], data: st.DataObject
) -> None:
    values: dict[str, Any] = {}
    if data.draw(st.booleans(), label="pk given"):
        values["pk"] = data.draw(st.sampled_from([None, 7]))
    for f in model._meta.concrete_fields:
        if f.primary_key or not data.draw(st.booleans(), label=f"{f.name} given"):
            continue
        if not f.many_to_one:
            values[f.attname] = data.draw(st.sampled_from(POOL), label=f.name)
        elif data.draw(st.booleans(), label=f"{f.name} by name"):
            values[f.name] = None  # as the import gives a missing default
        else:
            values[f.attname] = data.draw(st.sampled_from([None, 7]))

    def held(instance: models.Model) -> list[tuple[str, type, str]]:
        return [
            (f.attname, type(v := getattr(instance, f.attname)), repr(v))
            for f in model._meta.concrete_fields
        ]

    assert held(model_instance(model, values)) == held(model(**values))
