"""The rules every search runs under: cache, breaker, limits, budget, egress."""

from __future__ import annotations

import json
import time

import pytest

from sources.base import Failure, Query
from sources.fetch import breaker_state, sources_search
from sources.registry import fetch_config, sources_named

from .conftest import PATHS, Answer, fixture_text

pytestmark = pytest.mark.usefixtures("sources_settings")


def run(name: str, *texts: str) -> list:
    (source,) = sources_named([name])
    return sources_search(
        [(source, Query(text=text)) for text in texts], config=fetch_config()
    )


def test_an_answer_is_cached_per_query(happy_server):
    (first,) = run("openlibrary", "python")
    (second,) = run("openlibrary", "python")
    (other,) = run("openlibrary", "rust")

    assert not first.cached and second.cached and not other.cached
    assert second.found == first.found
    assert len(happy_server.requests_to(PATHS["openlibrary"])) == 2


def test_failures_are_not_cached(server):
    server.answers[PATHS["github"]] = Answer(status=500)
    run("github", "python")
    server.answers[PATHS["github"]] = Answer.fixture("github_search.json")
    (result,) = run("github", "python")
    assert result.ok and not result.cached


def test_the_breaker_opens_after_failures_in_a_row_and_stays_open(server, settings):
    # One at a time on the host, so the count is exact (with two slots, one
    # more request may already be on its way when the third failure lands).
    settings.SOURCES = {**settings.SOURCES, "PER_HOST_CONCURRENCY": 1}
    server.answers[PATHS["openlibrary"]] = Answer(status=503)
    results = run("openlibrary", "a", "b", "c", "d", "e")

    kinds = [r.error.kind for r in results]
    # Once three have failed, the rest are not sent.
    assert kinds.count(Failure.UNAVAILABLE) == 3
    assert kinds.count(Failure.CIRCUIT_OPEN) == 2
    assert len(server.requests_to(PATHS["openlibrary"])) == 3
    assert (
        breaker_state("openlibrary", config=fetch_config())["open_until"]
        > time.time() + 500
    )

    (later,) = run("openlibrary", "f")
    assert later.error.kind is Failure.CIRCUIT_OPEN
    assert len(server.requests_to(PATHS["openlibrary"])) == 3


def test_after_the_cooldown_one_success_closes_the_breaker(server, settings):
    settings.SOURCES = {**settings.SOURCES, "BREAKER_COOLDOWN": 0.3}
    server.answers[PATHS["github"]] = Answer(status=500)
    run("github", "a", "b", "c")
    assert breaker_state("github", config=fetch_config())["failures"] == 3
    time.sleep(0.4)
    server.answers[PATHS["github"]] = Answer.fixture("github_search.json")

    (result,) = run("github", "d")

    assert result.ok
    assert breaker_state("github", config=fetch_config()) == {
        "failures": 0,
        "open_until": 0.0,
    }


def test_after_the_cooldown_one_failure_opens_it_again(server, settings):
    settings.SOURCES = {**settings.SOURCES, "BREAKER_COOLDOWN": 0.3}
    server.answers[PATHS["github"]] = Answer(status=500)
    run("github", "a", "b", "c")
    time.sleep(0.4)
    # Reopened for a minute: the check below cannot race the cooldown on a
    # loaded machine.
    settings.SOURCES = {**settings.SOURCES, "BREAKER_COOLDOWN": 60}
    (result,) = run("github", "d")
    assert result.error.kind is Failure.UNAVAILABLE
    assert breaker_state("github", config=fetch_config())["open_until"] > time.time()


def test_one_source_failing_does_not_touch_another(server):
    server.answers[PATHS["openlibrary"]] = Answer(status=500)
    server.answers[PATHS["github"]] = Answer.fixture("github_search.json")
    sources = sources_named(["openlibrary", "github"])
    results = sources_search(
        [(source, Query(text="x")) for source in sources], config=fetch_config()
    )
    assert [r.ok for r in results] == [False, True]
    assert breaker_state("github", config=fetch_config())["failures"] == 0


def test_requests_to_one_host_never_exceed_its_limit(server, settings):
    settings.SOURCES = {**settings.SOURCES, "PER_HOST_CONCURRENCY": 2}
    server.answers[PATHS["wikibooks"]] = Answer.fixture(
        "wikibooks_search.json", delay=0.1
    )
    results = run("wikibooks", *(f"query {n}" for n in range(8)))
    assert all(r.ok for r in results)
    assert server.max_in_flight == 2


def test_the_run_budget_ends_what_is_still_waiting(server, settings):
    settings.SOURCES = {**settings.SOURCES, "TIMEOUT": 5.0, "BUDGET": 0.5}
    server.answers[PATHS["github"]] = Answer(hang=True)
    started = time.monotonic()
    results = run("github", "a", "b", "c")
    assert time.monotonic() - started < 2
    assert {r.error.kind for r in results} == {Failure.TIMEOUT}
    assert any("budget" in r.error.detail for r in results)


def test_private_addresses_are_refused_without_the_test_allowance(server, settings):
    settings.LINKCHECK = {**settings.LINKCHECK, "ALLOWED_NETWORKS": []}
    server.answers[PATHS["openlibrary"]] = Answer.fixture("openlibrary_search.json")
    (result,) = run("openlibrary", "python")
    assert result.error.kind is Failure.REFUSED
    assert server.requests == []


def test_found_urls_pointing_inside_are_dropped(server):
    answer = json.loads(fixture_text("github_search.json"))
    answer["items"][0]["html_url"] = "http://169.254.169.254/latest/meta-data"
    answer["items"][1]["html_url"] = "file:///etc/passwd"
    answer["items"].append({**answer["items"][0], "html_url": "https://github.com/a/b"})
    server.answers[PATHS["github"]] = Answer(body=json.dumps(answer))
    (result,) = run("github", "python")
    assert [item.url for item in result.found] == ["https://github.com/a/b"]
