"""The export marks unreviewed candidates: a ``suggested`` list of their own
per step (``reviewed: false``), never in ``resources``; schema 1.3 valid,
older minors still valid, byte-identical for the same state, and a fixed
number of queries whatever the roadmap's size."""

from __future__ import annotations

import copy
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from learners.models import LearnerProfile
from roadmaps.export import (
    SCHEMA_VERSION,
    ExportInvalid,
    export_bytes,
    export_document,
    export_schema,
    export_validate,
)
from roadmaps.models import Roadmap, RoadmapStep, StepResource
from roadmaps.services.export import export_bytes_for
from sources.models import CandidateStatus
from taxonomy.enums import Format, Language
from tests.factories import UserFactory
from tests.planner.conftest import small_catalog_build
from tests.roadmaps.conftest import roadmap_plan
from tests.roadmaps.test_api import _grow
from tests.sources.helpers import make_candidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def gap_catalog(db):
    return small_catalog_build(without_resources=("py-functions",))


@pytest.fixture
def roadmap(gap_catalog) -> Roadmap:
    return roadmap_plan(UserFactory(username="exporting-learner"))


@pytest.fixture
def candidates(gap_catalog):
    functions, setup = (
        gap_catalog.topics["py-functions"],
        gap_catalog.topics["py-setup"],
    )
    return {
        "video": make_candidate(
            functions,
            title="Functions explained",
            url="https://www.youtube.com/watch?v=abc",
            source="youtube",
            provider_name="YouTube",
            provider_url="https://www.youtube.com/",
            format="video",
            language="",
            gap_language="en",
            duration_minutes=95,
        ),
        "book": make_candidate(
            functions, title="A book on functions", url="https://books.example/f"
        ),
        "deferred": make_candidate(
            functions,
            title="Aardvark functions",
            url="https://books.example/a",
            status=CandidateStatus.DEFERRED,
            provider_url="",
        ),
        "rejected": make_candidate(
            functions,
            title="Rejected functions",
            url="https://books.example/r",
            status=CandidateStatus.REJECTED,
            reject_reason="Wrong topic",
        ),
        # A step with curated resources lists none.
        "setup": make_candidate(setup, title="Setup, unreviewed"),
    }


def step(document: dict, topic: str) -> dict:
    return next(s for s in document["steps"] if s["topic"] == topic)


def test_candidates_are_marked_apart_from_the_curated_resources(roadmap, candidates):
    document = export_document(roadmap.current)
    export_validate(document)

    assert document["schema_version"] == SCHEMA_VERSION == "1.3"
    functions = step(document, "py-functions")
    assert functions["resources"] == []
    assert functions["no_resource"]["code"] == "none"
    # Pending ones first (by title), then the deferred one.
    assert functions["suggested"] == [
        {
            "reviewed": False,
            "source": "openlibrary",
            "name": "A book on functions",
            "url": "https://books.example/f",
            "provider": {"name": "Open Library", "url": "https://openlibrary.org/"},
            "inLanguage": "en",
            "learningResourceType": "book",
            "timeRequired": None,
            "language_fallback": False,
        },
        {
            "reviewed": False,
            "source": "youtube",
            "name": "Functions explained",
            "url": "https://www.youtube.com/watch?v=abc",
            "provider": {"name": "YouTube", "url": "https://www.youtube.com/"},
            # The source did not say: the language the gap was searched in.
            "inLanguage": "en",
            "learningResourceType": "video",
            "timeRequired": "PT1H35M",
            "language_fallback": False,
        },
        {
            "reviewed": False,
            "source": "openlibrary",
            "name": "Aardvark functions",
            "url": "https://books.example/a",
            "provider": {"name": "Open Library", "url": None},
            "inLanguage": "en",
            "learningResourceType": "book",
            "timeRequired": None,
            "language_fallback": False,
        },
    ]
    assert step(document, "py-setup")["suggested"] == []
    assert step(document, "py-setup")["resources"]
    # No candidate's URL is in any step's curated fields.
    candidate_urls = {c.url for c in candidates.values()}
    curated_urls = {r["url"] for s in document["steps"] for r in s["resources"]}
    assert not candidate_urls & curated_urls
    assert b"Rejected functions" not in export_bytes(document)


def test_the_same_state_gives_the_same_bytes_and_a_change_new_bytes(
    roadmap, candidates
):
    first = export_bytes_for(roadmap_id=roadmap.pk)
    assert export_bytes_for(roadmap_id=roadmap.pk) == first
    assert json.loads(first)["steps"][4]["suggested"]

    candidates["book"].status = CandidateStatus.ACCEPTED
    candidates["book"].save(update_fields=["status"])
    after = export_bytes_for(roadmap_id=roadmap.pk)
    assert after != first
    names = [s["name"] for s in step(json.loads(after), "py-functions")["suggested"]]
    assert names == ["Functions explained", "Aardvark functions"]


def test_a_minor_learners_export_suggests_nothing(roadmap, candidates):
    LearnerProfile.objects.filter(pk=roadmap.profile_id).update(age_range="teen")
    document = export_document(roadmap.current)
    export_validate(document)
    assert all(s["suggested"] == [] for s in document["steps"])


def test_a_fallback_language_is_flagged(roadmap, gap_catalog):
    LearnerProfile.objects.filter(pk=roadmap.profile_id).update(language="de")
    make_candidate(gap_catalog.topics["py-functions"], title="Functions", language="fr")
    (suggested,) = step(export_document(roadmap.current), "py-functions")["suggested"]
    assert suggested["inLanguage"] == "fr"
    assert suggested["language_fallback"] is True


def test_older_minor_documents_still_validate(roadmap, candidates):
    document = export_document(roadmap.current)
    older = copy.deepcopy(document)
    older["schema_version"] = "1.2"
    for item in older["steps"]:
        del item["suggested"]
    export_validate(older)  # additive: a 1.2 document is valid under 1.3


@pytest.mark.parametrize(
    ("field", "value"),
    [("reviewed", True), ("learningResourceType", "rumour"), ("url", "not a url")],
)
def test_the_schema_refuses_a_suggestion_posing_as_reviewed_or_malformed(
    roadmap, candidates, field, value
):
    document = export_document(roadmap.current)
    step(document, "py-functions")["suggested"][0][field] = value
    with pytest.raises(ExportInvalid, match="suggested"):
        export_validate(document)


def test_the_suggestion_schema_follows_the_models():
    suggested = export_schema()["$defs"]["suggested"]["properties"]
    assert suggested["inLanguage"]["enum"] == [*Language.values, None]
    assert suggested["learningResourceType"]["enum"] == Format.values
    assert suggested["reviewed"] == {
        "description": suggested["reviewed"]["description"],
        "const": False,
    }


def _export_queries(roadmap: Roadmap) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        document = export_document(Roadmap.objects.get(pk=roadmap.pk).current)
    return len(queries), document


def test_the_export_reads_candidates_in_one_query_at_any_size(gap_catalog):
    make_candidate(gap_catalog.topics["py-functions"], title="Functions book")
    counts = []
    for size in (5, 60):
        roadmap = roadmap_plan(UserFactory())
        _grow(roadmap, size)  # copies of py-functions: none has resources
        count, document = _export_queries(roadmap)
        assert len(document["steps"]) == size
        assert all(step["suggested"] for step in document["steps"][4:])
        counts.append(count)
    assert counts[0] == counts[1]

    # Once every step has a resource, no candidate is even looked for.
    donor = StepResource.objects.filter(step__version_id=roadmap.current_id).first()
    for bare in RoadmapStep.objects.filter(
        version_id=roadmap.current_id, resources__isnull=True
    ):
        StepResource.objects.create(
            step=bare,
            position=1,
            resource_id=donor.resource_id,
            resource_slug=donor.resource_slug,
            title=donor.title,
            url=donor.url,
            score=donor.score,
        )
    count, document = _export_queries(roadmap)
    assert all(s["suggested"] == [] and s["resources"] for s in document["steps"])
    assert count == counts[1] - 1
