"""Goals in the learner's words and language (issue 12), on the starter catalog.

The starter catalog (data/catalog.json) is read into the pure core's graph
with its translations, so every example of the issue runs exactly as a
learner would meet it, without a database: the matching, the intents, the
goal question and the plan's size.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from planner.domain import (
    Answer,
    CatalogGraph,
    GoalIntent,
    ProfileErrors,
    QuestionKind,
    SubjectNode,
    TopicNode,
    TrackNode,
    assess,
    next_questions,
    normalize,
    plan,
)
from planner.domain.goals import BASICS, subject_basics
from planner.domain.matching import catalog_languages, goal_intents
from planner.domain.normalize import GOAL_MAX_CHARS, TEXT_LIMITS
from planner.domain.text import content_words_in, language_guess, stem_in

STARTER = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
TODAY = date(2026, 12, 7)


@cache
def starter() -> CatalogGraph:
    """The starter catalog's subjects, topics, prerequisites, tracks and
    translations as a snapshot (resources are not needed to match goals)."""
    doc = json.loads(STARTER.read_text(encoding="utf-8"))
    names: dict[tuple[str, str], list] = {}
    for entry in doc.get("translations", []):
        texts = (entry.get("name", ""), *entry.get("aliases", []))
        names.setdefault((entry["kind"], entry["slug"]), []).append(
            (entry["language"], texts)
        )

    def named(kind: str, slug: str) -> tuple:
        return tuple(sorted(names.get((kind, slug), [])))

    return CatalogGraph.build(
        version=1,
        subjects=[
            SubjectNode(
                s["slug"], s["name"], tuple(s["languages"]), named("subject", s["slug"])
            )
            for s in doc["subjects"]
        ],
        topics=[
            TopicNode(
                t["slug"],
                t["subject"],
                t["name"],
                t["level"],
                float(t["estimated_hours"]),
                tuple(t["objectives"]),
                tags=tuple(t.get("tags", ())),
                position=t.get("position", 0),
                names=named("topic", t["slug"]),
            )
            for t in doc["topics"]
        ],
        prerequisites=[
            (t["slug"], p["topic"], p.get("kind", "required"))
            for t in doc["topics"]
            for p in t.get("prerequisites", ())
        ],
        tracks=[
            TrackNode(
                t["slug"],
                t["subject"],
                t["name"],
                t.get("description", ""),
                t.get("goal_kind", "skill"),
                tuple(sorted(t["targets"])),
                names=named("track", t["slug"]),
            )
            for t in doc["tracks"]
        ],
    )


def _profile(goals: object, subject: str = "python", language: str = "en", **more):
    raw = {
        "subject": subject,
        "level": "beginner",
        "goals": goals,
        "weekly_hours": 5,
        "language": language,
        **more,
    }
    return normalize(raw, starter(), TODAY)


def _plan_hours(profile, answers=None) -> float:
    assessment = assess(profile, starter(), answers or {}, assume_unanswered=True)
    return plan(assessment, starter()).total_hours


# -- the examples ---------------------------------------------------------
def test_a_spanish_goal_matches_the_automation_track():
    profile = _profile("automatizar tareas en el trabajo", language="es")
    assert profile.track == "python-automation"
    assert next_questions(profile, starter()) == ()


def test_the_same_goal_in_english_matches_the_same_track():
    assert _profile("automate tasks at work").track == "python-automation"


def test_the_spanish_goal_matches_without_the_profile_saying_spanish():
    # The catalog offers Spanish, so the goal is read in Spanish whatever
    # language the learner picked for resources.
    assert _profile("automatizar tareas en el trabajo").track == "python-automation"


def test_data_science_reaches_the_data_analysis_tracks_from_another_subject():
    profile = _profile("data science", subject="python")
    (question,) = next_questions(profile, starter())
    assert question.kind == QuestionKind.GOAL
    values = [o.value for o in question.options]
    assert values[:2] == ["da-track-job-ready", "da-track-python-pandas"]
    assert "(Data analysis)" in question.options[0].label
    assert values[-1] == f"{BASICS}python"
    assert "Data analysis" in question.reason


def test_choosing_the_other_subjects_track_plans_that_subject():
    profile = _profile("data science", subject="python")
    answers = {"goal:python": Answer("da-track-python-pandas")}
    assessment = assess(profile, starter(), answers)
    assert assessment.profile.subject == "data-analysis"
    assert assessment.profile.track == "da-track-python-pandas"
    planned = plan(assessment, starter())
    assert planned.subject == "data-analysis"
    assert planned.track == "da-track-python-pandas"
    assert starter().topics[planned.steps[-1].topic].subject == "data-analysis"


@pytest.mark.parametrize("subject", ["python", "statistics", "tools"])
def test_learn_the_basics_is_not_refused_and_plans_the_core_topics(subject):
    profile = _profile("learn the basics", subject=subject)
    assert GoalIntent.BASICS in profile.goal_intents
    assert profile.track is None
    assert profile.goal_topics == subject_basics(starter(), subject)
    assert next_questions(profile, starter()) == ()
    assert _plan_hours(profile) > 0


def test_learn_git_basics_quickly_is_a_short_plan_not_a_whole_track():
    profile = _profile("learn git basics quickly", subject="tools")
    assert {GoalIntent.BASICS, GoalIntent.QUICK} <= set(profile.goal_intents)
    assert profile.track is None
    assert profile.goal_topics == ("git-basics",)
    hours = _plan_hours(profile)
    assert hours <= 12
    whole_tracks = [
        _plan_hours(_profile(slug, subject="tools"))
        for slug in starter().tracks_by_subject["tools"]
    ]
    assert hours < min(whole_tracks)


def test_git_basics_from_another_subject_offers_the_git_track_first():
    profile = _profile("learn git basics quickly", subject="web-development")
    (question,) = next_questions(profile, starter())
    assert question.options[0].value == "version-control-essentials"
    assert question.options[-1].value == f"{BASICS}web-development"


# -- other languages --------------------------------------------------------------
@pytest.mark.parametrize(
    ("goal", "language", "subject", "track"),
    [
        ("apprendre à automatiser des tâches", "fr", "python", "python-automation"),
        ("Aufgaben mit Python automatisieren", "de", "python", "python-automation"),
        ("automatizar tarefas no trabalho", "pt", "python", "python-automation"),
        ("aprender análise de dados com python", "pt", "data-analysis",
         "da-track-python-pandas"),
        ("ciencia de datos con Python", "es", "data-analysis",
         "da-track-python-pandas"),
        ("préparer un examen de statistiques", "fr", "statistics",
         "stats-track-ap-exam"),
        ("eine Webseite bauen", "de", "web-development", "first-website"),
        ("consultas SQL para análisis", "es", "data-analysis", "da-track-sql"),
    ],
)  # fmt: skip
def test_goals_in_spanish_french_portuguese_and_german(goal, language, subject, track):
    profile = _profile(goal, subject=subject, language=language)
    assert profile.track == track
    assert next_questions(profile, starter()) == ()


def test_german_basics_of_git_name_the_git_basics_topic():
    profile = _profile("Grundlagen von Git lernen", subject="tools", language="de")
    assert profile.goal_topics == ("git-basics",)
    assert _plan_hours(profile) <= 12


@pytest.mark.parametrize(
    ("goal", "language"),
    [
        ("aprender lo básico", "es"),
        ("apprendre les bases", "fr"),
        ("aprender o básico", "pt"),
        ("die Grundlagen lernen", "de"),
    ],
)
def test_the_basics_in_every_language(goal, language):
    profile = _profile(goal, subject="statistics", language=language)
    assert profile.goal_topics == subject_basics(starter(), "statistics")
    assert next_questions(profile, starter()) == ()


def test_a_subject_named_in_its_translation_is_found():
    assert _profile("aprender lo básico", subject="Análisis de datos").subject == (
        "data-analysis"
    )
    assert _profile("die Grundlagen", subject="Datenanalyse").subject == (
        "data-analysis"
    )


def test_every_language_with_translations_is_read():
    assert set(catalog_languages(starter())) >= {"en", "es", "fr", "pt", "de"}


def test_stems_come_from_the_snowball_stemmers_and_accents_fold():
    assert stem_in("automatizar", "es") == stem_in("automatización", "es")
    assert stem_in("análise", "pt") == stem_in("analise", "pt")
    assert stem_in("Prüfung", "de") == stem_in("prufung", "de")
    assert content_words_in("automatizar tareas en el trabajo", "es") == [
        "automatiz",
        "tar",
        "trabaj",
    ]


def test_the_goal_language_is_guessed_from_its_function_words():
    languages = ["en", "es", "fr", "pt", "de"]
    assert language_guess("automatizar tareas en el trabajo", languages) == "es"
    assert language_guess("apprendre les bases de la statistique", languages) == "fr"
    assert language_guess("die Grundlagen von Git", languages) == "de"


# -- intents ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("goal", "intent"),
    [
        ("learn the basics", GoalIntent.BASICS),
        ("fundamentos de python", GoalIntent.BASICS),
        ("learn it quickly", GoalIntent.QUICK),
        ("lo antes posible, rápido", GoalIntent.QUICK),
        ("schnell lernen", GoalIntent.QUICK),
        ("get job-ready", GoalIntent.JOB),
        ("conseguir un empleo", GoalIntent.JOB),
        ("trouver un emploi", GoalIntent.JOB),
        ("pass the exam", GoalIntent.EXAM),
        ("passar na prova", GoalIntent.EXAM),
        ("die Prüfung bestehen", GoalIntent.EXAM),
    ],
)
def test_intent_words_in_the_supported_languages(goal, intent):
    assert intent in goal_intents(goal, ["en", "es", "fr", "pt", "de"])


def test_working_at_work_is_not_a_job_search():
    assert goal_intents("automatizar tareas en el trabajo", ["es"]) == ()


def test_job_ready_steers_to_the_career_track():
    profile = _profile("python, job-ready")
    assert profile.track == "python-backend-jobs"


def test_an_exam_steers_to_the_exam_track():
    profile = _profile("statistics for an exam", subject="statistics")
    assert profile.track == "stats-track-ap-exam"


def test_quickly_prefers_the_shorter_of_two_close_tracks():
    slow = _profile("data analysis with python and sql", subject="data-analysis")
    quick = _profile(
        "data analysis with python and sql, quickly", subject="data-analysis"
    )
    assert _plan_hours(quick) <= _plan_hours(slow)


# -- unmatched and ambiguous goals become questions -----------------------------------
def test_an_unmatched_goal_becomes_a_question_with_the_basics_first():
    profile = _profile("knitting scarves")
    assert profile.track is None
    (question,) = next_questions(profile, starter())
    assert question.kind == QuestionKind.GOAL
    assert question.options[0].value == f"{BASICS}python"
    assert question.options[0].label == "Just the basics of Python programming"
    assert {o.value for o in question.options[1:]} <= set(
        starter().tracks_by_subject["python"]
    )
    assert "did not match" in question.reason


def test_skipping_the_unmatched_goal_question_plans_the_basics():
    profile = _profile("knitting scarves")
    assessment = assess(profile, starter(), {"goal:python": Answer(skipped=True)})
    assert assessment.profile.goal_topics == subject_basics(starter(), "python")
    assert assessment.assumptions[0] == (
        "Assumed you want just the basics of Python programming."
    )


def test_an_ambiguous_goal_offers_the_closest_tracks_and_the_basics():
    profile = _profile("data", subject="data-analysis")
    (question,) = next_questions(profile, starter())
    values = [o.value for o in question.options]
    assert len(values) == 4
    assert values[-1] == f"{BASICS}data-analysis"
    assert set(values[:-1]) <= set(starter().tracks_by_subject["data-analysis"])


def test_answering_just_the_basics_plans_the_core_topics():
    profile = _profile("knitting scarves")
    answers = {"goal:python": Answer(f"{BASICS}python")}
    assessment = assess(profile, starter(), answers)
    assert assessment.profile.track is None
    assert assessment.profile.goal_topics == subject_basics(starter(), "python")


def test_labels_follow_the_goals_language_when_the_profile_says_nothing():
    profile = _profile("quiero aprender a tejer bufandas")  # language: en
    (question,) = next_questions(profile, starter())
    labels = {o.value: o.label for o in question.options}
    assert (
        labels["python-fundamentals"] == "Fundamentos de Python · Python fundamentals"
    )


def test_question_labels_carry_the_learners_language():
    profile = _profile("xyzzy", language="es")
    (question,) = next_questions(profile, starter())
    labels = {o.value: o.label for o in question.options}
    assert (
        labels["python-fundamentals"] == "Fundamentos de Python · Python fundamentals"
    )


# -- limits ------------------------------------------------------------------------
def test_a_goal_of_500_characters_is_accepted():
    goal = ("automate tasks at work " * 30)[:GOAL_MAX_CHARS]
    assert _profile(goal).track == "python-automation"


def test_a_goal_over_500_characters_is_refused_with_a_clear_message():
    with pytest.raises(ProfileErrors) as caught:
        _profile("a" * (GOAL_MAX_CHARS + 1))
    assert caught.value.errors["goals"] == (
        "Too long: at most 500 characters (this has 501).",
    )


def test_a_ten_megabyte_goal_is_refused_before_anything_else_is_read():
    # Every other field is wrong too: the length alone is reported, at once.
    raw = {"subject": "nothing", "level": "?", "goals": "x" * 10_000_000}
    with pytest.raises(ProfileErrors) as caught:
        normalize(raw, starter(), TODAY)
    assert dict(caught.value.errors) == {
        "goals": ("Too long: at most 500 characters (this has 10,000,000).",)
    }


def test_a_list_of_goals_counts_all_its_text():
    with pytest.raises(ProfileErrors) as caught:
        _profile(["python-automation", "y" * 490])
    assert "at most 500 characters" in caught.value.errors["goals"][0]


def test_a_huge_list_is_not_walked_to_its_end():
    with pytest.raises(ProfileErrors) as caught:
        _profile("python-automation", known_topics=["x"] * 5_000_000)
    assert caught.value.errors["known_topics"] == (
        "Too long: at most 10,000 characters (this has over 20,000).",
    )


@pytest.mark.parametrize("field", sorted(TEXT_LIMITS))
def test_every_text_field_of_the_profile_has_a_maximum(field):
    raw = {"subject": "python", "level": "beginner", "goals": "python-automation"}
    raw["weekly_hours"] = 5
    raw[field] = "z" * (TEXT_LIMITS[field] + 1)
    with pytest.raises(ProfileErrors) as caught:
        normalize(raw, starter(), TODAY)
    assert (
        f"at most {TEXT_LIMITS[field]:,} characters" in (caught.value.errors[field][0])
    )


# -- through the services, the API and the stored roadmap ---------------------------
def _raw(goals: str, subject: str = "python", **more: object) -> dict:
    return {"subject": subject, "level": "beginner", "goals": goals} | {
        "weekly_hours": 5,
        **more,
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("starter_catalog")
def test_the_stored_profile_matches_the_spanish_goal_through_the_snapshot():
    from planner.services import profile_submit, profile_validate
    from tests.factories import UserFactory

    raw = _raw("automatizar tareas en el trabajo", language="es")
    assert profile_validate(raw=raw, today=TODAY).track == "python-automation"
    profile = profile_submit(owner=UserFactory(), raw=raw, today=TODAY)
    assert profile.track.slug == "python-automation"


@pytest.mark.django_db
@pytest.mark.usefixtures("starter_catalog")
def test_the_api_refuses_a_goal_over_500_characters_with_a_400():
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    api = APIClient()
    api.force_authenticate(UserFactory())
    goals = ["python-automation", "w" * 490]
    response = api.post("/api/v1/profiles/", _raw(goals), format="json")

    assert response.status_code == 400
    (message,) = response.json()["error"]["fields"]["goals"]
    assert message.startswith("Too long: at most 500 characters")


@pytest.mark.django_db
@pytest.mark.usefixtures("starter_catalog")
def test_a_track_of_another_subject_chosen_in_the_goal_question_is_stored_there():
    from planner.services import profile_plan_store
    from tests.factories import UserFactory

    stored = profile_plan_store(
        owner=UserFactory(),
        raw=_raw("data science"),
        answers={"goal:python": "da-track-python-pandas"},
        today=TODAY,
    )

    roadmap = stored.roadmap
    assert roadmap.subject_slug == "data-analysis"
    assert roadmap.subject.slug == "data-analysis"
    assert roadmap.title == ("Data analysis: Python data analysis with pandas")
    # Stored without a job, it records the models used as a job's roadmap does.
    assert roadmap.current.model_versions == {"embeddings": "none"}
