"""Normalize: messy onboarding answers to a profile, and every refusal."""

from __future__ import annotations

from datetime import date

import pytest

from planner.domain import (
    AgeRange,
    CostPreference,
    GoalMatch,
    Language,
    Level,
    ProfileErrors,
    normalize,
)

from . import TODAY, profile_raw, python_graph, resource

GRAPH = python_graph()


def _norm(**overrides):
    return normalize(profile_raw(**overrides), GRAPH, TODAY)


def _errors(graph=GRAPH, **overrides) -> dict[str, tuple[str, ...]]:
    with pytest.raises(ProfileErrors) as caught:
        normalize(profile_raw(**overrides), graph, TODAY)
    return dict(caught.value.errors)


@pytest.mark.parametrize(
    "typed", ["python", "py", "Python 3", "python programming", "PYTHON", "Python3"]
)
def test_subject_aliases_map_to_python(typed):
    assert _norm(subject=typed).subject == "python"


@pytest.mark.parametrize(
    ("typed", "level"),
    [
        ("total beginner", Level.BEGINNER),
        ("Novice", Level.BEGINNER),
        ("no experience at all", Level.BEGINNER),
        ("some experience", Level.INTERMEDIATE),
        ("I know a bit", Level.INTERMEDIATE),
        ("intermediate", Level.INTERMEDIATE),
        ("expert", Level.ADVANCED),
        ("Advanced", Level.ADVANCED),
        ("experienced dev", Level.ADVANCED),
    ],
)
def test_levels_from_free_text(typed, level):
    assert _norm(level=typed).level == level


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("es-MX", Language.ES),
        ("Español", Language.ES),
        ("spanish", Language.ES),
        ("castellano", Language.ES),
        ("pt_BR", Language.PT),
        ("Deutsch", Language.DE),
        ("EN", Language.EN),
        ("日本語", Language.JA),
    ],
)
def test_languages_from_codes_and_names(typed, code):
    assert _norm(language=typed).language == code


def test_defaults_match_the_learner_profile_model():
    raw = profile_raw()
    del raw["language"]
    profile = normalize(raw, GRAPH, TODAY)
    assert profile.language == Language.EN
    assert profile.age_range == AgeRange.ADULT
    assert profile.session_minutes == 45
    assert profile.cost == CostPreference.ANY
    assert profile.timezone == "UTC"
    assert profile.deadline is None


def test_one_track_at_most():
    assert _errors(goals=["python-oop", "python-web"])["goals"] == (
        "Name one track, not several: python-oop, python-web.",
    )


@pytest.mark.parametrize(("typed", "hours"), [(7.3, 7.5), ("0.6", 0.5), (79.9, 80)])
def test_weekly_hours_round_to_the_half_hour(typed, hours):
    assert _norm(weekly_hours=typed).weekly_hours == hours


@pytest.mark.parametrize(
    ("typed", "age"),
    [
        ("adult", AgeRange.ADULT),
        ("16", AgeRange.TEEN),
        (16, AgeRange.TEEN),
        ("13-17", AgeRange.TEEN),
        ("teenager", AgeRange.TEEN),
        ("18+", AgeRange.ADULT),
        ("42 years old", AgeRange.ADULT),
        ("high school", AgeRange.TEEN),
        ("grown-up", AgeRange.ADULT),
    ],
)
def test_age_ranges_from_words_and_numbers(typed, age):
    assert _norm(age_range=typed).age_range == age


def test_a_full_messy_profile():
    profile = _norm(
        subject="Python 3",
        level="some experience",
        goals=["python-oop", "I also want to write tests"],
        weekly_hours="7.6 hours",
        session_minutes="1 hour",
        deadline="2026-06-30",
        language="es-MX",
        age_range="adult",
        formats_liked="videos, hands-on exercises",
        formats_disliked=["Podcasts"],
        cost="free only please",
        known_topics="Setup, python-variables,  control flow",
        timezone="Europe/Madrid",
    )
    assert profile.track == "python-oop"
    assert profile.track_explicit
    assert profile.goal_topics == ("python-testing",)
    assert profile.weekly_hours == 7.5  # the half hour
    assert profile.session_minutes == 60
    assert profile.deadline == date(2026, 6, 30)
    assert profile.formats_liked == ("exercise", "video")
    assert profile.formats_disliked == ("podcast",)
    assert profile.cost == CostPreference.FREE_ONLY
    assert profile.known_topics == (
        "python-control-flow",
        "python-setup",
        "python-variables",
    )
    assert profile.start_date == TODAY
    assert profile.timezone == "Europe/Madrid"


def test_a_goal_sentence_picks_the_closest_track():
    profile = _norm(goals="I want to build web apps")
    assert profile.track == "python-web"
    assert not profile.track_explicit
    best, second, *_ = profile.goal_candidates
    assert best == GoalMatch("python-web", 0.6667)  # web 1.0, build 0.5, app 0.5
    assert second.score < best.score - 0.15


def test_a_track_named_by_its_title_is_explicit():
    profile = _norm(goals="Object-oriented Python")
    assert profile.track == "python-oop"
    assert profile.track_explicit


def test_the_matcher_hook_replaces_text_matching():
    def matcher(text, tracks, graph):
        # Every subject's tracks: a goal may fit another subject better.
        assert {t.slug for t in tracks} == set(graph.tracks)
        return [GoalMatch("python-data", 0.9), GoalMatch("python-web", 0.2)]

    raw = profile_raw(goals="something the search backend understands")
    profile = normalize(raw, GRAPH, TODAY, matcher=matcher)
    assert profile.track == "python-data"
    assert [m.track for m in profile.goal_candidates] == ["python-data", "python-web"]


def test_every_bad_field_is_reported_at_once():
    errors = _errors(
        subject="cooking",
        level="???",
        weekly_hours=100,
        deadline="2025-12-31",
        language="klingon",
        age_range="old dragon",
        formats_liked="holograms",
        cost="maybe",
        session_minutes=2,
        known_topics="Quantum loops",
        favourite_colour="blue",
    )
    assert set(errors) == {
        "subject",
        "level",
        "weekly_hours",
        "deadline",
        "language",
        "age_range",
        "formats_liked",
        "cost",
        "session_minutes",
        "known_topics",
        "favourite_colour",
    }
    assert "python (Python programming)" in errors["subject"][0]
    assert "javascript (JavaScript)" in errors["subject"][0]
    assert errors["deadline"] == ("2025-12-31 is in the past.",)


@pytest.mark.parametrize("hours", [0.25, 0, 80.5, "-3", "lots"])
def test_weekly_hours_outside_half_an_hour_to_eighty_are_refused(hours):
    assert "weekly_hours" in _errors(weekly_hours=hours)


def test_weekly_hours_are_required():
    assert _errors(weekly_hours="")["weekly_hours"] == ("This field is required.",)


def test_a_deadline_before_the_start_date_is_refused():
    errors = _errors(start_date="2026-03-01", deadline="2026-02-01")
    assert errors["deadline"] == ("2026-02-01 is before the start date.",)


def test_an_age_the_subject_does_not_serve_is_refused():
    # Every Python resource lists teen and adult only.
    assert _errors(age_range="9")["age_range"] == (
        "Python programming has no resources for ages under 13 yet.",
    )
    kids = resource("kids-loops", "python-loops", age_ranges=("child",))
    graph = python_graph(extra_resources=(kids,))
    profile = normalize(profile_raw(age_range="kid"), graph, TODAY)
    assert profile.age_range == AgeRange.CHILD


def test_an_age_range_spanning_two_buckets_is_refused():
    assert "spans" in _errors(age_range="10-15")["age_range"][0]


def test_an_unknown_topic_suggests_close_ones():
    (message,) = _errors(known_topics=["Loops", "for loops"])["known_topics"]
    assert message == "Unknown topic 'for loops'. Did you mean: python-loops?"


def test_a_track_of_another_subject_is_refused():
    errors = _errors(goals="js-first-steps")
    assert errors["goals"] == (
        "Track 'js-first-steps' belongs to the subject 'javascript'.",
    )


def test_a_goal_that_matches_nothing_is_kept_for_the_goal_question():
    profile = _norm(goals="knitting scarves")
    assert profile.track is None
    assert profile.goal_text == "knitting scarves"
    assert profile.goal_candidates == ()


def test_formats_cannot_be_liked_and_disliked():
    errors = _errors(formats_liked="video", formats_disliked="videos, books")
    assert errors["formats_disliked"] == ("video cannot be both liked and disliked.",)


def test_missing_required_fields():
    with pytest.raises(ProfileErrors) as caught:
        normalize({}, GRAPH, TODAY)
    assert set(caught.value.errors) == {"subject", "level", "weekly_hours", "goals"}


def test_the_documented_example_profile():
    raw = {
        "subject": "Python 3",
        "level": "some experience",
        "goals": ["I want to build web apps", "python-testing"],
        "weekly_hours": "6 hours",
        "deadline": "2026-06-30",
        "start_date": "2026-01-05",
        "language": "es-MX",
        "age_range": "adult",
        "formats_liked": "videos, exercises",
        "formats_disliked": ["podcasts"],
        "cost": "free only",
        "session_minutes": 45,
        "known_topics": "Setup, python-variables",
        "timezone": "Europe/Madrid",
    }
    profile = normalize(raw, GRAPH, TODAY)
    assert (profile.track, profile.track_explicit) == ("python-web", False)
    assert profile.goal_topics == ("python-testing",)
    assert profile.known_topics == ("python-setup", "python-variables")


@pytest.mark.parametrize("typed", ["9" * 400, "1" + "0" * 320 + " minutes", 1e308 * 10])
def test_numbers_too_large_for_a_float_are_refused_not_raised(typed):
    # 400 digits read as infinity; round(inf) would raise OverflowError.
    assert "session_minutes" in _errors(session_minutes=typed)
    assert "weekly_hours" in _errors(weekly_hours=typed)


@pytest.mark.parametrize("typed", [float("nan"), float("-inf")])
def test_not_a_number_is_refused(typed):
    assert "session_minutes" in _errors(session_minutes=typed)


def test_an_age_of_thousands_of_digits_is_refused_as_unknown():
    # int() of a run of over 4,300 digits raises ValueError in Python 3.11.
    assert "age_range" in _errors(age_range="9" * 5000)
