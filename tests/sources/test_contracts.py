"""Each adapter against a loopback server speaking its API as documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from sources.adapters import youtube_quota_reset_seconds
from sources.base import Failure, Query, SourceError
from sources.fetch import SearchResult, breaker_state, sources_search
from sources.registry import fetch_config, sources_named

from .conftest import PATHS, TIMEOUT, Answer

pytestmark = [pytest.mark.contract, pytest.mark.usefixtures("sources_settings")]

ADAPTERS = ["openlibrary", "wikibooks", "wikipedia", "github", "youtube"]


@pytest.fixture(autouse=True)
def youtube_on(settings, sources_settings):
    """YouTube needs a key: these tests give it one. Wikipedia is off by
    default (SOURCES_ENABLED): these tests turn it on."""
    settings.SOURCES = {
        **settings.SOURCES,
        "ENABLED": [*settings.SOURCES["ENABLED"], "wikipedia", "youtube"],
        "KEYS": {**settings.SOURCES["KEYS"], "youtube": "yt-test-key"},
    }


def search(name: str, query: Query | None = None) -> SearchResult:
    (source,) = sources_named([name])
    query = query or Query(text="python programming", language="en", limit=5)
    (result,) = sources_search([(source, query)], config=fetch_config())
    return result


def test_open_library_search_is_asked_and_read_as_documented(happy_server):
    result = search("openlibrary", Query(text="python programming", language="fr"))

    (seen,) = happy_server.requests_to(PATHS["openlibrary"])
    assert seen.params["q"] == ["python programming language:fre"]
    assert seen.params["limit"] == ["5"]
    assert "key" in seen.params["fields"][0].split(",")
    assert result.ok and not result.cached
    # The author record is not a work: left out.
    assert [item.title for item in result.found] == [
        "Think Python",
        "Automate the Boring Stuff with Python",
    ]
    think = result.found[0]
    assert think.url == happy_server.url("/openlibrary/works/OL17930368W")
    assert think.format == "book"
    assert think.provider_name == "Open Library"
    assert think.language == "en"
    assert think.duration_minutes is None
    assert think.description == "By Allen B. Downey. First published 2012."
    assert think.identifiers["work"] == "/works/OL17930368W"
    # Two languages and neither the one asked for: not guessed.
    assert result.found[1].language == ""


def test_wikibooks_search_is_asked_and_read_as_documented(happy_server):
    result = search("wikibooks", Query(text="python functions", language="en"))

    (seen,) = happy_server.requests_to(PATHS["wikibooks"])
    assert seen.params["action"] == ["query"]
    assert seen.params["list"] == ["search"]
    assert seen.params["srsearch"] == ["python functions"]
    assert seen.params["format"] == ["json"]
    assert seen.params["formatversion"] == ["2"]
    assert result.ok
    functions, tutorial = result.found
    assert functions.title == "Python Programming/Functions"
    assert functions.url == happy_server.url(
        "/wikibooks/wiki/Python_Programming/Functions"
    )
    assert functions.format == "book"
    assert functions.language == "en"
    assert functions.duration_minutes == 12  # 2310 words at 200 a minute
    assert functions.description == 'A function in Python is defined with "def"'
    assert functions.identifiers == {
        "pageid": 81234,
        "title": "Python Programming/Functions",
    }
    assert tutorial.duration_minutes is None
    assert "%27" in tutorial.url  # the apostrophe is quoted


def test_wikipedia_search_is_asked_and_read_as_documented(happy_server):
    result = search("wikipedia", Query(text="python function", language="en"))

    (seen,) = happy_server.requests_to(PATHS["wikipedia"])
    assert seen.params["action"] == ["query"]
    assert seen.params["list"] == ["search"]
    assert seen.params["srsearch"] == ["python function"]
    assert seen.params["srnamespace"] == ["0"]
    assert seen.params["format"] == ["json"]
    assert seen.params["formatversion"] == ["2"]
    assert result.ok
    python, function = result.found
    assert python.source == "wikipedia"
    assert python.provider_name == "Wikipedia"
    assert python.url == happy_server.url(
        "/wikipedia/wiki/Python_(programming_language)"
    )
    assert python.format == "article"
    assert python.language == "en"
    assert python.duration_minutes == 65  # 12950 words at 200 a minute
    assert python.description == (
        "Python is a high-level, general-purpose programming language & more"
    )
    assert python.identifiers == {
        "pageid": 23862,
        "title": "Python (programming language)",
    }
    # No word count in the answer: no duration guessed.
    assert function.duration_minutes is None


def test_the_source_interface_searches_under_the_same_rules(happy_server):
    (source,) = sources_named(["openlibrary"])
    found = source.search("python programming", language="fr", level="beginner")

    assert [item.title for item in found][:1] == ["Think Python"]
    (seen,) = happy_server.requests_to(PATHS["openlibrary"])
    assert seen.params["q"] == ["python programming language:fre"]
    # Cached like any search: asking again sends nothing.
    assert source.search("python programming", language="fr", level="beginner")
    assert len(happy_server.requests_to(PATHS["openlibrary"])) == 1


def test_the_source_interface_raises_what_the_source_answered(server):
    server.answers[PATHS["github"]] = Answer(
        status=429, body="{}", headers={"Retry-After": "30"}
    )
    (source,) = sources_named(["github"])
    with pytest.raises(SourceError) as raised:
        source.search("python", limit=3)
    assert raised.value.kind is Failure.RATE_LIMITED
    assert raised.value.retry_after == 30


def test_github_repository_search_is_asked_and_read_as_documented(happy_server):
    result = search("github", Query(text="system design", limit=2))

    (seen,) = happy_server.requests_to(PATHS["github"])
    assert seen.params["q"] == ["system design"]
    assert seen.params["per_page"] == ["2"]
    assert seen.headers["accept"] == "application/vnd.github+json"
    assert seen.headers["x-github-api-version"] == "2022-11-28"
    assert "authorization" not in seen.headers
    assert result.ok
    primer, awesome = result.found
    assert primer.url == "https://github.com/donnemartin/system-design-primer"
    assert primer.title == "donnemartin/system-design-primer"
    assert primer.format == "project"
    assert primer.language == ""  # GitHub says nothing of the human language
    assert primer.identifiers["code_language"] == "Python"
    assert primer.identifiers["stars"] == 270000
    assert awesome.description == ""  # null in the answer


def test_youtube_search_is_asked_and_read_as_documented(happy_server):
    result = search("youtube", Query(text="recursion", language="fr", limit=2))

    (seen,) = happy_server.requests_to(PATHS["youtube"])
    assert seen.params["part"] == ["snippet"]
    assert seen.params["type"] == ["video"]
    assert seen.params["q"] == ["recursion"]
    assert seen.params["maxResults"] == ["2"]
    assert seen.params["relevanceLanguage"] == ["fr"]
    assert seen.params["key"] == ["yt-test-key"]
    assert result.ok
    # The channel result is not a video: left out.
    (video,) = result.found
    assert video.url == "https://www.youtube.com/watch?v=Mv9NEXX1VHc"
    assert video.title == "Recursion in Programming 'Full Course'"
    assert video.description == "Learn recursion & how to think recursively."
    assert video.format == "video"
    assert video.language == ""  # relevanceLanguage is a preference only
    assert video.identifiers["channel_title"] == "freeCodeCamp.org"


def test_youtube_spent_quota_rests_the_source_until_the_quota_resets(server):
    server.answers[PATHS["youtube"]] = Answer.fixture("youtube_quota.json", status=403)
    result = search("youtube")

    assert result.error is not None and result.error.kind is Failure.RATE_LIMITED
    assert "quota" in result.error.detail
    until_reset = youtube_quota_reset_seconds()
    assert abs(result.error.retry_after - until_reset) < 5
    state = breaker_state("youtube", config=fetch_config())
    assert abs(state["open_until"] - time.time() - until_reset) < 5
    # Nothing more is spent on refusals before the reset.
    again = search("youtube", Query(text="something else"))
    assert again.error is not None and again.error.kind is Failure.CIRCUIT_OPEN
    assert len(server.requests_to(PATHS["youtube"])) == 1


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (403, "rateLimitExceeded", Failure.RATE_LIMITED),
        (403, "userRateLimitExceeded", Failure.RATE_LIMITED),
        (400, "keyInvalid", Failure.REJECTED),
        (403, "forbidden", Failure.REJECTED),
    ],
)
def test_youtube_errors_are_read_from_googles_error_body(server, status, reason, kind):
    body = {"error": {"code": status, "errors": [{"reason": reason}]}}
    server.answers[PATHS["youtube"]] = Answer(status=status, body=json.dumps(body))
    result = search("youtube")
    assert result.error is not None and result.error.kind is kind
    assert reason in result.error.detail
    if kind is Failure.RATE_LIMITED:
        # No time given: the breaker's cooldown, not the quota's day.
        assert result.error.retry_after is None


@pytest.mark.parametrize("body", ["<html>Forbidden</html>", '{"error": "x"}', "[]"])
def test_a_youtube_refusal_without_googles_error_body_is_a_refusal(server, body):
    server.answers[PATHS["youtube"]] = Answer(status=403, body=body)
    result = search("youtube")
    assert result.error is not None and result.error.kind is Failure.REJECTED
    assert result.error.detail == "HTTP 403"


@pytest.mark.parametrize(
    ("now", "hours"),
    [
        # 10:00 UTC in winter is 02:00 PST: 22 hours to midnight.
        (datetime(2026, 1, 15, 10, 0, tzinfo=UTC), 22),
        # In summer 02:00 PDT is 09:00 UTC.
        (datetime(2026, 7, 15, 9, 0, tzinfo=UTC), 22),
        # 8 March 2026 has 23 hours in Pacific time: from its first minute
        # (08:00 UTC) to the next midnight (07:00 UTC on the 9th).
        (datetime(2026, 3, 8, 8, 0, tzinfo=UTC), 23),
    ],
)
def test_youtube_quota_resets_at_midnight_pacific_time(now, hours):
    assert youtube_quota_reset_seconds(now=now) == hours * 3600


def test_the_youtube_key_is_read_from_source_youtube_api_key():
    code = (
        "from django.conf import settings; print(settings.SOURCES['KEYS']['youtube'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wayfinder.settings.test",
        "SOURCE_YOUTUBE_API_KEY": "from-the-environment",
    }
    env.pop("SOURCE_YOUTUBE_KEY", None)
    answer = subprocess.run(  # noqa: S603 -- our own interpreter, fixed arguments
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert answer.stdout.strip() == "from-the-environment"


def test_youtube_is_off_without_a_key(settings):
    settings.SOURCES = {**settings.SOURCES, "KEYS": {"github": "", "youtube": ""}}
    from sources.registry import sources_enabled

    assert "youtube" not in {source.name for source in sources_enabled()}
    assert "youtube" in settings.SOURCES["ENABLED"]


def test_github_token_is_sent_when_configured(happy_server, settings):
    settings.SOURCES = {
        **settings.SOURCES,
        "KEYS": {**settings.SOURCES["KEYS"], "github": "ghp_test"},
    }
    search("github")
    (seen,) = happy_server.requests_to(PATHS["github"])
    assert seen.headers["authorization"] == "Bearer ghp_test"


@pytest.mark.parametrize("name", ADAPTERS)
@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_unavailable(server, name, status):
    server.answers[PATHS[name]] = Answer(status=status, body="<html>oops</html>")
    result = search(name)
    assert result.error is not None
    assert result.error.kind is Failure.UNAVAILABLE
    assert result.found == ()


@pytest.mark.parametrize("name", ADAPTERS)
def test_no_answer_in_time_is_a_timeout(server, name):
    server.answers[PATHS[name]] = Answer(hang=True)
    started = time.monotonic()
    result = search(name)
    assert result.error is not None and result.error.kind is Failure.TIMEOUT
    assert time.monotonic() - started < TIMEOUT + 2


@pytest.mark.parametrize("name", ADAPTERS)
def test_429_with_retry_after_opens_the_breaker_for_that_long(server, name):
    server.answers[PATHS[name]] = Answer(
        status=429, body="{}", headers={"Retry-After": "120"}
    )
    result = search(name)

    assert result.error is not None
    assert result.error.kind is Failure.RATE_LIMITED
    assert result.error.retry_after == 120
    state = breaker_state(name, config=fetch_config())
    assert 110 < state["open_until"] - time.time() <= 120
    # The source is left alone until then: nothing more is sent.
    again = search(name, Query(text="something else"))
    assert again.error is not None and again.error.kind is Failure.CIRCUIT_OPEN
    assert len(server.requests_to(PATHS[name])) == 1


def test_github_403_with_no_requests_left_is_a_rate_limit(server):
    reset = int(time.time()) + 60
    server.answers[PATHS["github"]] = Answer.fixture(
        "github_rate_limited.json",
        status=403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )
    result = search("github")
    assert result.error is not None
    assert result.error.kind is Failure.RATE_LIMITED
    assert 50 < result.error.retry_after <= 60


def test_github_403_without_the_rate_limit_headers_is_a_refusal(server):
    server.answers[PATHS["github"]] = Answer(status=403, body='{"message": "no"}')
    result = search("github")
    assert result.error is not None and result.error.kind is Failure.REJECTED


def test_mediawiki_error_object_is_a_refusal(server):
    server.answers[PATHS["wikibooks"]] = Answer.fixture("wikibooks_error.json")
    result = search("wikibooks")
    assert result.error is not None and result.error.kind is Failure.REJECTED
    assert "nosrsearch" in result.error.detail


def test_mediawiki_ratelimited_error_is_a_rate_limit(server):
    server.answers[PATHS["wikibooks"]] = Answer.fixture("wikibooks_ratelimited.json")
    result = search("wikibooks")
    assert result.error is not None and result.error.kind is Failure.RATE_LIMITED


@pytest.mark.parametrize("name", ADAPTERS)
@pytest.mark.parametrize(
    "body",
    [
        "this is not JSON",
        '{"truncated": ',
        "[]",
        '{"docs": "x", "items": "x", "query": {"search": "x"}}',
        '{"docs": [1], "items": [1], "query": {"search": [1]}}',
    ],
    ids=["text", "truncated", "list", "wrong-types", "wrong-items"],
)
def test_a_malformed_body_is_malformed(server, name, body):
    server.answers[PATHS[name]] = Answer(body=body)
    result = search(name)
    assert result.error is not None
    assert result.error.kind is Failure.MALFORMED
    assert result.found == ()


def test_mediawiki_language_picks_the_wiki_of_that_language(server, settings):
    settings.SOURCES = {
        **settings.SOURCES,
        "URLS": {**settings.SOURCES["URLS"], "wikibooks": server.url("/{language}")},
    }
    server.answers["/fr/w/api.php"] = Answer.fixture("wikibooks_search.json")
    result = search("wikibooks", Query(text="fonctions", language="fr"))
    assert result.ok
    assert result.found[0].language == "fr"
    assert result.found[0].url.startswith(server.url("/fr/wiki/"))
