"""Import and export of the catalog from the admin."""

from __future__ import annotations

import copy
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest

from catalog.models import Resource
from taxonomy.models import Subject, Topic
from tests.admin import snippet_url, topic_form_data
from tests.factories import ResourceFactory, SubjectFactory, TopicFactory

pytestmark = pytest.mark.django_db

DOCUMENT: dict[str, Any] = {
    "format": "wayfinder.catalog",
    "version": 1,
    "providers": [{"slug": "acme", "name": "Acme", "url": "https://acme.example.org/"}],
    "subjects": [{"slug": "python", "name": "Python", "languages": ["en"]}],
    "topics": [
        {
            "slug": "loops",
            "subject": "python",
            "name": "Loops",
            "level": "beginner",
            "estimated_hours": 2,
            "objectives": ["Write a for loop"],
            "mastery_check": {"kind": "quiz", "description": "Five questions."},
        }
    ],
    "resources": [
        {
            "slug": "loops-tutorial",
            "title": "Loops tutorial",
            "url": "https://acme.example.org/loops",
            "provider": "acme",
            "format": "article",
            "duration_minutes": 20,
            "topics": [{"topic": "loops"}],
        }
    ],
}


def _upload(client, content: bytes | str, *, dry_run: bool) -> Any:
    if isinstance(content, str):
        content = content.encode()
    data: dict[str, Any] = {
        "catalog_file": SimpleUploadedFile(
            "catalog.json", content, content_type="application/json"
        )
    }
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("catalog_admin:import"), data)


def test_importing_a_good_file_writes_it_and_shows_the_summary(curator_client) -> None:
    response = _upload(curator_client, json.dumps(DOCUMENT), dry_run=False)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Import done" in content
    assert "topics: 1 created, 0 updated, 0 unchanged" in content
    assert "The catalog was imported." in content
    assert Topic.objects.filter(slug="loops").exists()
    assert Resource.objects.get(slug="loops-tutorial").links.get().kind == "primary"


def test_a_dry_run_checks_and_writes_nothing(curator_client) -> None:
    response = _upload(curator_client, json.dumps(DOCUMENT), dry_run=True)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Check passed" in content
    assert "Nothing was written." in content
    assert "resources: 1 created" in content
    assert not Topic.objects.exists()
    assert not Resource.objects.exists()


def test_a_bad_file_lists_every_issue_with_its_path_and_writes_nothing(
    curator_client,
) -> None:
    document = copy.deepcopy(DOCUMENT)
    document["topics"][0]["subject"] = "no-such-subject"
    document["resources"][0]["format"] = "hologram"

    response = _upload(curator_client, json.dumps(document), dry_run=False)

    content = response.content.decode()
    issues = response.context["issues"]
    paths = [issue.path for issue in issues]
    assert response.status_code == 200
    assert "$.topics[0].subject" in paths
    assert "$.resources[0].format" in paths
    for issue in issues:
        assert f"<code>{issue.path}</code>" in content
    assert '<th scope="col">Where (JSON path)</th>' in content
    assert "nothing was written" in content
    assert not Topic.objects.exists()
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"format": "wayfinder.catalog",', "The file is not valid JSON"),
        ('{"name": "café"}'.encode("latin-1"), "The file is not UTF-8 text"),
        (b"[" * 200_000, "The file is not a catalog: nested deeper than 32 levels."),
    ],
    ids=["not-json", "not-utf8", "too-deep"],
)
def test_unreadable_files_are_form_errors(curator_client, content, message) -> None:
    response = _upload(curator_client, content, dry_run=False)

    assert response.status_code == 400
    errors = response.context["form"].errors["catalog_file"]
    assert any(message in error for error in errors)
    assert not Topic.objects.exists()


def test_a_file_over_the_limit_is_a_form_error(curator_client, monkeypatch) -> None:
    monkeypatch.setattr("catalog.forms.IMPORT_MAX_BYTES", 64)

    response = _upload(curator_client, json.dumps(DOCUMENT), dry_run=True)

    errors = response.context["form"].errors["catalog_file"]
    assert any("the limit is 64" in error for error in errors)


def test_export_downloads_the_catalog_as_json(curator_client) -> None:
    ResourceFactory(slug="loops-tutorial", topics=[TopicFactory(slug="loops")])

    response = curator_client.get(reverse("catalog_admin:export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="catalog.json"'
    document = json.loads(response.content)
    assert document["format"] == "wayfinder.catalog"
    assert [t["slug"] for t in document["topics"]] == ["loops"]
    assert [r["slug"] for r in document["resources"]] == ["loops-tutorial"]


def test_an_exported_catalog_imports_back_unchanged(curator_client) -> None:
    ResourceFactory(slug="loops-tutorial", topics=[TopicFactory(slug="loops")])
    exported = curator_client.get(reverse("catalog_admin:export")).content

    response = _upload(curator_client, exported, dry_run=False)

    assert "Nothing changed." in response.content.decode()


def test_a_file_with_a_utf8_byte_order_mark_is_imported(curator_client) -> None:
    content = b"\xef\xbb\xbf" + json.dumps(DOCUMENT).encode()

    response = _upload(curator_client, content, dry_run=False)

    assert response.status_code == 200
    assert Topic.objects.filter(slug="loops").exists()


def test_urls_that_point_inside_are_shown_as_warnings(curator_client) -> None:
    document = copy.deepcopy(DOCUMENT)
    document["resources"][0]["url"] = "http://10.0.0.7/loops"

    response = _upload(curator_client, json.dumps(document), dry_run=True)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Check passed" in content
    assert "1 warning: the import would accept these" in content
    assert "<code>$.resources[0].url</code>" in content
    assert "targets a private address: the link checker will not check it" in content


def test_a_subject_name_differing_only_by_case_is_refused_naming_both(
    curator_client,
) -> None:
    SubjectFactory(slug="tools", name="Developer tools")
    document = copy.deepcopy(DOCUMENT)
    document["subjects"][0]["name"] = "DEVELOPER TOOLS"

    response = _upload(curator_client, json.dumps(document), dry_run=False)

    assert [str(issue) for issue in response.context["issues"]] == [
        '$.subjects[0].name: "DEVELOPER TOOLS" is the same name as subject '
        '"tools" (Developer tools) in the database'
    ]
    assert not Subject.objects.filter(slug="python").exists()


def test_the_subject_form_refuses_an_uppercase_slug_and_a_name_differing_by_case(
    curator_client,
) -> None:
    SubjectFactory(slug="tools", name="Developer tools")

    response = curator_client.post(
        snippet_url(Subject, "add"),
        {
            "name": "DEVELOPER TOOLS",
            "slug": "Dev-Tools",
            "description": "",
            "languages": "",
        },
    )

    form = response.context["form"]
    assert "must be lowercase: dev-tools" in " ".join(form.errors["slug"])
    assert "compared ignoring case" in " ".join(form.non_field_errors())
    assert Subject.objects.count() == 1


def test_the_topic_form_refuses_text_over_its_limit(curator_client) -> None:
    subject = SubjectFactory()

    response = curator_client.post(
        snippet_url(Topic, "add"),
        topic_form_data(subject=subject.pk, summary="x" * 1001),
    )

    errors = response.context["form"].errors
    assert "at most 1000 characters" in " ".join(errors["summary"])
    assert not Topic.objects.exists()
