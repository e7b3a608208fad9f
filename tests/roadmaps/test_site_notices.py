"""The roadmap page's "About this plan": the version's notices (gaps, the
deadline cut, topics left out as known with each reason, fallbacks) grouped
under readable headings (roadmaps/views/presenters.py, version_notices)."""

from __future__ import annotations

import re

import pytest

NOTICES = [
    {
        "kind": "assumption",
        "message": "You did not say a level: planned for a beginner.",
    },
    {
        "kind": "known_removed",
        "hours": 6.0,
        "topics": [
            {
                "topic": "py-setup",
                "reason": "implied",
                "via": "py-loops",
                "hours": 2.0,
                "note": "You said you know Loops, which needs Setup.",
            },
            {
                "topic": "py-loops",
                "reason": "known",
                "via": None,
                "hours": 4.0,
                "note": "You said you know Loops.",
            },
        ],
        "message": "Left out 2 topics because of what you already know (about 6 hours).",
    },
    {
        "kind": "no_resource",
        "steps": ["py-io"],
        "message": "No resource yet for 1 step: Files (no resource in the catalog).",
    },
    {
        "kind": "deadline_cut",
        "deadline": "2027-01-31",
        "steps_after_deadline": ["py-io"],
        "options": [],
        "message": "Steps 1-3 fit before 2027-01-31; step 4 (3 hours) ends after it.",
    },
    {
        "kind": "language_fallback",
        "step": "py-io",
        "message": "No resources for Files in your language: showing resources in other languages.",
    },
    {"kind": "something_new", "message": "A notice of a kind the page does not know."},
]


@pytest.fixture
def owner_client(client, learner):
    client.force_login(learner)
    return client


def _section(html: str) -> str:
    found = re.search(r'<section id="notices".*?</section>', html, re.S)
    assert found, "no notices section"
    return found.group(0)


def test_the_roadmap_page_shows_the_versions_notices_grouped(owner_client, roadmap):
    version = roadmap.current
    version.notices = NOTICES
    version.save(update_fields=["notices"])
    html = owner_client.get(f"/roadmaps/{roadmap.pk}/").content.decode()
    assert "{#" not in html and "{%" not in html  # no template text leaks
    section = _section(html)
    headings = re.findall(r"<h3>(.*?)</h3>", section)
    # The deadline first, then gaps, then what was left out; unknown kinds last.
    assert headings == [
        "Your deadline",
        "Steps without a resource yet",
        "Left out because you know them",
        "Resources in other languages",
        "What we assumed",
        "Also",
    ]
    assert "step 4 (3 hours) ends after it" in section
    assert "No resource yet for 1 step: Files" in section
    # Each topic left out says why, behind a disclosure.
    assert "<summary>Why each one was left out" in section
    assert "You said you know Loops, which needs Setup." in section
    assert 'aria-labelledby="notices-heading"' in section
    # Before the path, so it is read first.
    assert html.index('id="notices"') < html.index('id="roadmap-path"')


def test_no_notices_no_section(owner_client, roadmap):
    version = roadmap.current
    version.notices = []
    version.save(update_fields=["notices"])
    html = owner_client.get(f"/roadmaps/{roadmap.pk}/").content.decode()
    assert 'id="notices"' not in html


def test_a_notice_without_words_is_not_shown_empty(owner_client, roadmap):
    version = roadmap.current
    version.notices = [{"kind": "known_removed", "topics": [], "message": ""}]
    version.save(update_fields=["notices"])
    html = owner_client.get(f"/roadmaps/{roadmap.pk}/").content.decode()
    assert 'id="notices"' not in html
