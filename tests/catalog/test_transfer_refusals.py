"""Catalog identity is case-folded, bad files are refused cleanly, text is
bounded, and URLs that point inside are warned about (issue 8)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import override_settings

import pytest
from rest_framework import serializers

from catalog.models import Provider, Resource
from catalog.transfer import (
    CatalogImportError,
    ImportIssue,
    catalog_import,
    catalog_schema,
    catalog_validate,
)
from catalog.transfer.parsing import MAX_DEPTH, CatalogParseError, catalog_loads
from taxonomy import validators
from taxonomy.models import Subject, Topic, Track
from tests.catalog.test_transfer import document, provider, resource, subject, topic
from tests.factories import ProviderFactory, SubjectFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _messages(data: dict[str, Any]) -> list[str]:
    return [str(found) for found in catalog_validate(data=data)]


# -- identity: slugs are lowercase ------------------------------------------------


def test_an_uppercase_slug_is_refused_naming_its_lowercase_form() -> None:
    data = document(subjects=[subject("probe-Case")])

    assert _messages(data) == [
        '$.subjects[0].slug: "probe-Case" must be lowercase: "probe-case"'
    ]


def test_a_reference_by_an_uppercase_slug_is_refused() -> None:
    SubjectFactory(slug="python")
    data = document(topics=[topic("loops", subject="Python")])

    assert _messages(data) == [
        '$.topics[0].subject: "Python" must be lowercase: "python"'
    ]


def test_a_slug_that_is_no_slug_at_all_keeps_its_message() -> None:
    data = document(subjects=[subject("no spaces")])

    assert _messages(data) == [
        '$.subjects[0].slug: "no spaces" is not a slug: use lowercase letters, '
        "digits, hyphens and underscores"
    ]


@pytest.mark.parametrize("model", [Subject, Topic, Track, Provider, Resource])
def test_model_validation_refuses_an_uppercase_slug(model: type) -> None:
    field = model._meta.get_field("slug")

    with pytest.raises(ValidationError, match="must be lowercase: probe-case"):
        field.clean("probe-Case", None)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SubjectFactory(slug="Probe-Case"),
        lambda: TopicFactory(slug="Probe-Case"),
        lambda: ProviderFactory(slug="Probe-Case"),
    ],
)
def test_the_database_refuses_an_uppercase_slug(make: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


# -- identity: subject names are unique ignoring case ---------------------------


def test_subject_names_differing_by_case_in_one_file_are_refused_naming_both() -> None:
    data = document(
        subjects=[
            subject("tools", name="Developer tools"),
            subject("dev-tools", name="DEVELOPER TOOLS"),
        ]
    )

    assert _messages(data) == [
        '$.subjects[1].name: "DEVELOPER TOOLS" is the same name as subject "tools" '
        "(Developer tools) at $.subjects[0]"
    ]


def test_a_subject_name_differing_by_case_from_the_database_is_refused() -> None:
    SubjectFactory(slug="tools", name="Developer tools")
    before = Subject.objects.count()

    with pytest.raises(CatalogImportError) as raised:
        catalog_import(
            data=document(subjects=[subject("dev-tools", name="DEVELOPER TOOLS")])
        )

    assert [str(found) for found in raised.value.errors] == [
        '$.subjects[0].name: "DEVELOPER TOOLS" is the same name as subject "tools" '
        "(Developer tools) in the database"
    ]
    assert Subject.objects.count() == before


def test_a_subject_may_change_the_case_of_its_own_name() -> None:
    SubjectFactory(slug="tools", name="Developer tools")

    catalog_import(data=document(subjects=[subject("tools", name="Developer Tools")]))

    assert Subject.objects.get(slug="tools").name == "Developer Tools"


def test_a_new_subject_may_take_a_name_another_gives_up_in_the_same_file() -> None:
    SubjectFactory(slug="tools", name="Tools")

    catalog_import(
        data=document(
            subjects=[
                subject("dev-tools", name="TOOLS"),
                subject("tools", name="Developer tools"),
            ]
        )
    )

    assert dict(Subject.objects.values_list("slug", "name")) == {
        "dev-tools": "TOOLS",
        "tools": "Developer tools",
    }


def test_the_database_refuses_subject_names_differing_only_by_case() -> None:
    SubjectFactory(name="Developer tools")

    with pytest.raises(IntegrityError), transaction.atomic():
        SubjectFactory(name="DEVELOPER TOOLS")


def test_model_validation_refuses_a_subject_name_differing_only_by_case() -> None:
    SubjectFactory(slug="tools", name="Developer tools")

    with pytest.raises(ValidationError, match="compared ignoring case"):
        Subject(slug="dev-tools", name="developer TOOLS").full_clean()


# -- bad files ---------------------------------------------------------------------


def test_a_section_that_is_an_object_is_reported_as_not_an_array() -> None:
    data = document(topics={"a": 1})  # type: ignore[arg-type]

    assert _messages(data) == ['$.topics: must be an array, not {"a": 1}']


def test_deep_nesting_is_refused_in_one_line_before_parsing() -> None:
    with pytest.raises(CatalogParseError) as raised:
        catalog_loads("[" * 200_000 + "]" * 200_000)

    assert str(raised.value) == f"nested deeper than {MAX_DEPTH} levels"


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"a": "[" * 500 + '\\"{' * 500, "b": [[1]]})

    assert catalog_loads(text)["b"] == [[1]]


def test_nesting_up_to_the_limit_is_read() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH

    assert isinstance(catalog_loads(text), list)
    with pytest.raises(CatalogParseError):
        catalog_loads("[" + text + "]")


def test_the_command_refuses_deep_nesting_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000, encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("import_catalog", str(path))

    assert str(raised.value) == (
        f"{path} is not a catalog: nested deeper than {MAX_DEPTH} levels"
    )


def test_the_command_accepts_a_utf8_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document()).encode())
    out = StringIO()

    call_command("import_catalog", str(path), stdout=out)

    assert "Nothing changed." in out.getvalue()


# -- free text has limits ----------------------------------------------------------


def _catalog(**changes: Any) -> dict[str, Any]:
    record = topic("loops") | changes
    return document(
        providers=[provider()],
        subjects=[subject()],
        topics=[record],
        resources=[resource("guide", "loops")],
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            document(subjects=[subject(description="x" * 5001)]),
            "$.subjects[0].description: is too long: 5001 characters, at most 5000",
        ),
        (
            _catalog(summary="x" * 1001),
            "$.topics[0].summary: is too long: 1001 characters, at most 1000",
        ),
        (
            _catalog(mastery_check={"kind": "quiz", "description": "x" * 1001}),
            "$.topics[0].mastery_check.description: is too long: 1001 characters, "
            "at most 1000",
        ),
        (
            _catalog(objectives=["ok", "x" * 301]),
            "$.topics[0].objectives[1]: is too long: 301 characters, at most 300",
        ),
        (
            _catalog(objectives=["one"] * 31),
            "$.topics[0].objectives: must list at most 30 items, not 31",
        ),
        (
            _catalog(tags=["x" * 51]),
            "$.topics[0].tags[0]: is too long: 51 characters, at most 50",
        ),
    ],
    ids=["description", "summary", "mastery", "objective", "objectives", "tag"],
)
def test_text_over_its_limit_is_refused_at_its_path(
    data: dict[str, Any], message: str
) -> None:
    assert _messages(data) == [message]


def test_text_at_its_limit_is_imported() -> None:
    data = _catalog(
        summary="x" * 1000, objectives=["y" * 300] * 30, tags=["z" * 50] * 30
    )
    data["subjects"][0]["description"] = "d" * 5000
    data["resources"][0]["description"] = "r" * 5000

    catalog_import(data=data)

    assert len(Resource.objects.get().description) == 5000


@pytest.mark.parametrize(
    ("definition", "prop", "limit"),
    [
        ("subject", "description", validators.DESCRIPTION_MAX),
        ("track", "description", validators.DESCRIPTION_MAX),
        ("resource", "description", validators.DESCRIPTION_MAX),
        ("topic", "summary", validators.SUMMARY_MAX),
        ("mastery_check", "description", validators.MASTERY_DESCRIPTION_MAX),
    ],
)
def test_schema_text_limits_are_the_models(
    definition: str, prop: str, limit: int
) -> None:
    defs = catalog_schema()["$defs"]
    spec = defs[definition]["properties"][prop]
    limits = [spec.get("maxLength")]
    if "$ref" in spec:
        limits.append(defs[spec["$ref"].split("/")[-1]].get("maxLength"))

    assert min(found for found in limits if found) == limit


def test_schema_list_limits_are_the_models() -> None:
    defs = catalog_schema()["$defs"]
    objectives = defs["topic"]["properties"]["objectives"]

    assert objectives["maxItems"] == validators.OBJECTIVES_MAX_ITEMS
    assert defs["objective"]["maxLength"] == validators.OBJECTIVE_MAX
    assert defs["tags"]["maxItems"] == validators.TAGS_MAX_ITEMS
    assert defs["tag"]["maxLength"] == validators.TAG_MAX


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Subject, "description", "x" * 5001),
        (Track, "description", "x" * 5001),
        (Resource, "description", "x" * 5001),
        (Topic, "summary", "x" * 1001),
        (Topic, "mastery_description", "x" * 1001),
        (Topic, "objectives", ["x" * 301]),
        (Topic, "tags", ["t"] * 31),
        (Resource, "tags", ["x" * 51]),
    ],
)
def test_an_api_serializer_of_the_model_refuses_text_over_its_limit(
    model: type, field: str, value: Any
) -> None:
    class Writer(serializers.ModelSerializer):
        class Meta:
            fields = [field]

    Writer.Meta.model = model

    writer = Writer(data={field: value}, partial=True)

    assert not writer.is_valid()
    assert field in writer.errors


def test_the_database_refuses_a_description_over_its_limit() -> None:
    subject_ = SubjectFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Subject.objects.filter(pk=subject_.pk).update(description="x" * 5001)


# -- URLs that point inside are warned about ----------------------------------------


def _inside_catalog() -> dict[str, Any]:
    return document(
        providers=[provider()],
        subjects=[subject()],
        topics=[topic("loops")],
        resources=[
            resource(
                "guide",
                "loops",
                url="http://127.0.0.1:6379/",
                links=[
                    {"url": "https://example.org/ok", "kind": "mirror"},
                    {"url": "http://metadata.internal/latest", "kind": "download"},
                ],
            )
        ],
    )


def test_urls_targeting_private_addresses_are_warnings_and_the_import_succeeds() -> (
    None
):
    summary = catalog_import(data=_inside_catalog())

    assert summary.warnings == [
        ImportIssue(
            "$.resources[0].url",
            '"http://127.0.0.1:6379/" targets a private address: '
            "the link checker will not check it",
        ),
        ImportIssue(
            "$.resources[0].links[1].url",
            '"http://metadata.internal/latest" targets a private address: '
            "the link checker will not check it",
        ),
    ]
    assert Resource.objects.filter(slug="guide").exists()
    assert summary.as_dict()["warnings"] == [str(w) for w in summary.warnings]


@override_settings(LINKCHECK={"ALLOWED_NETWORKS": ["127.0.0.0/8"]})
def test_allowed_networks_are_not_warned_about() -> None:
    summary = catalog_import(data=_inside_catalog())

    assert [w.path for w in summary.warnings] == ["$.resources[0].links[1].url"]


def test_the_command_prints_the_warnings(tmp_path: Path) -> None:
    path = tmp_path / "inside.json"
    path.write_text(json.dumps(_inside_catalog()), encoding="utf-8")
    out, err = StringIO(), StringIO()

    call_command("import_catalog", str(path), stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        'warning: $.resources[0].url: "http://127.0.0.1:6379/" targets a private '
        "address: the link checker will not check it",
        'warning: $.resources[0].links[1].url: "http://metadata.internal/latest" '
        "targets a private address: the link checker will not check it",
    ]
    assert "resources: 1 created" in out.getvalue()
