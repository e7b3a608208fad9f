"""``manage.py plan_roadmap`` on the starter catalog."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import CommandError, ManagementUtility, call_command
from django.db import connections

import pytest

from learners.models import Answer, ClarifyingQuestion, LearnerProfile
from planner.domain import SCORE_PARTS
from roadmaps.models import Roadmap, StepResource
from tests.factories import UserFactory

pytestmark = [pytest.mark.usefixtures("starter_catalog"), pytest.mark.django_db]

START = "2026-01-05"
AUTOMATION = {
    "subject": "Python 3",
    "level": "some experience",
    "goals": "I want to automate boring tasks with scripts",
    "weekly_hours": "6 hours",
    "deadline": "2026-09-30",
    "language": "es-MX",
    "cost": "free only",
}
#: Answers a learner who knows regular expressions and command-line tools but
#: not web scraping gives (the level already places past the beginner topics).
AUTOMATION_ANSWERS = {
    "placement:python-web-scraping": "no",
    "placement:python-regex": "yes",
    "placement:python-cli-tools": {"value": "yes", "confidence": 0.9},
}


@pytest.fixture
def write(tmp_path):
    def write(name: str, data: object) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return str(path)

    return write


def run(*args: str) -> str:
    out = StringIO()
    call_command("plan_roadmap", *args, "--start-date", START, stdout=out)
    return out.getvalue()


def test_pending_questions_are_printed_with_ids_and_options(write):
    out = run("--profile", write("p.json", AUTOMATION))

    assert "[placement:python-web-scraping] Can you already " in out
    assert "options: yes (Yes) | no (No) | not_sure (Not sure)" in out
    assert "question 1 of at most 3" in out
    assert not Roadmap.objects.exists()


def test_an_answers_file_applies_to_the_next_run(write):
    profile = write("p.json", AUTOMATION)
    first = json.loads(run("--profile", profile, "--json"))
    (question,) = first["questions"]
    assert first["status"] == "questions"
    assert question["id"] == "placement:python-web-scraping"

    answers = write("a.json", {question["id"]: "yes"})
    second = json.loads(run("--profile", profile, "--answers", answers, "--json"))

    (following,) = second["questions"]
    assert following["id"] == "placement:python-regex"
    assert following["order"] == 2


def test_the_plan_as_json_lists_steps_resources_and_score_parts(write):
    args = (
        "--profile",
        write("p.json", AUTOMATION),
        "--answers",
        write("a.json", AUTOMATION_ANSWERS),
        "--json",
    )
    output = json.loads(run(*args))

    assert output["status"] == "plan"
    plan = output["plan"]
    assert (plan["subject"], plan["track"]) == ("python", "python-automation")
    assert plan["start_date"] == START and plan["feasible"]
    topics = [s["topic"] for s in plan["steps"]]
    assert len(topics) == len(set(topics)) > 5
    assert {"python-logging", "python-web-scraping"} <= set(topics)
    removed = {r["topic"]: r for r in plan["removed"]}
    assert not removed.keys() & set(topics)
    assert removed["python-cli-tools"]["reason"] == "placement"  # answered yes
    assert removed["python-data-structures"]["reason"] == "implied"  # by cli-tools
    by_level = [r for r in removed.values() if r["reason"] == "level"]
    assert by_level
    assert all(r["note"].startswith("Placed as intermediate: ") for r in by_level)
    assert plan["total_hours"] == sum(s["hours"] for s in plan["steps"])
    first = plan["steps"][0]
    assert first["position"] == 1 and first["weeks"][0] == 1
    assert first["title"] == first["name"] and first["title"]
    resource = first["resources"][0]
    # What a person reads, not only slugs: title, link, provider, format,
    # language and duration of every attached resource.
    for attached in (r for s in plan["steps"] for r in s["resources"]):
        assert attached["title"] and attached["url"].startswith("https://")
        assert attached["provider"]["slug"] and attached["provider"]["name"]
        assert attached["format"] and attached["language"]
        assert attached["duration_minutes"] > 0
    assert list(resource["parts"]) == list(SCORE_PARTS)
    assert 0 < resource["score"] <= 1
    assert any("language_fallback" in s["flags"] for s in plan["steps"])
    assert run(*args) == run(*args)  # deterministic


def test_the_plan_as_text_shows_hours_weeks_dates_and_score_parts(write):
    out = run(
        "--profile",
        write("p.json", AUTOMATION),
        "--answers",
        write("a.json", AUTOMATION_ANSWERS),
    )
    lines = out.splitlines()
    assert lines[0].startswith("Plan: python, track python-automation (catalog version")
    assert lines[2] == "Deadline 2026-09-30: met"
    assert lines[3].startswith("  1. ") and "week 1, 2026-01-05 to " in lines[3]
    # A resource reads as title [slug], provider, format, language, minutes;
    # then its link, then its score and parts.
    assert lines[4].startswith("       1. ") and " min" in lines[4]
    assert lines[5].strip().startswith("https://")
    assert "score 0." in lines[6] and "(language " in lines[6]


def test_a_deadline_that_cannot_be_met_prints_the_shortfall(write):
    raw = {**AUTOMATION, "weekly_hours": 1, "deadline": "2026-02-15"}
    answers = {**AUTOMATION_ANSWERS, "deadline:2026-02-15": "keep"}
    out = run("--profile", write("p.json", raw), "--answers", write("a.json", answers))
    assert "Deadline 2026-02-15: NOT met" in out
    assert "Shortfall: " in out and "options: " in out


def test_invalid_input_prints_the_field_errors_and_exits_1(write, capsys, monkeypatch):
    path = write(
        "bad.json", {**AUTOMATION, "weekly_hours": 200, "deadline": "2020-01-01"}
    )
    with pytest.raises(CommandError) as caught:
        run("--profile", path)
    message = str(caught.value)
    assert "weekly_hours: Must be between 0.5 and 80 hours a week." in message
    assert "deadline: 2020-01-01 is in the past." in message

    # run_from_argv closes every connection afterwards, which would end the
    # module's transaction holding the starter catalog.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "plan_roadmap", "--profile", path]).execute()
    assert exited.value.code == 1
    assert "weekly_hours: Must be between" in capsys.readouterr().err


def test_an_answer_that_is_not_an_option_is_a_field_error(write):
    answers = write("a.json", {"placement:python-web-scraping": "perhaps"})
    with pytest.raises(CommandError, match="placement:python-web-scraping: 'perhaps'"):
        run("--profile", write("p.json", AUTOMATION), "--answers", answers)


def test_unreadable_files_are_refused(tmp_path, write):
    with pytest.raises(CommandError, match="cannot read"):
        run("--profile", str(tmp_path / "missing.json"))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        run("--profile", str(tmp_path / "broken.json"))
    with pytest.raises(CommandError, match="must hold a JSON object"):
        run("--profile", write("list.json", [1, 2]))


def test_with_a_user_the_profile_answers_and_roadmap_are_stored(write):
    user = UserFactory(username="ana")
    args = (
        "--profile",
        write("p.json", AUTOMATION),
        "--answers",
        write("a.json", AUTOMATION_ANSWERS),
        "--user",
        "ana",
    )
    output = json.loads(run(*args, "--json"))

    roadmap = Roadmap.objects.get(pk=output["roadmap_id"])
    assert roadmap.owner == user and roadmap.profile_id == output["profile_id"]
    assert [s.topic_slug for s in roadmap.current.steps.order_by("position")] == [
        s["topic"] for s in output["plan"]["steps"]
    ]
    stored = StepResource.objects.filter(step__version__roadmap=roadmap).count()
    assert stored == sum(len(s["resources"]) for s in output["plan"]["steps"])
    profile = LearnerProfile.objects.get(pk=output["profile_id"])
    assert [q.question_id for q in profile.questions.order_by("order")] == list(
        AUTOMATION_ANSWERS
    )
    assert Answer.objects.filter(question__profile=profile).count() == 3
    # The stored profile plans exactly like the file did without a user.
    anonymous = json.loads(run(*args[:4], "--json"))
    assert anonymous["plan"] == output["plan"]
    assert "Stored as roadmap" in run(*args)


def test_with_a_user_and_questions_pending_nothing_but_the_profile_is_stored(write):
    UserFactory(username="ana")
    out = run("--profile", write("p.json", AUTOMATION), "--user", "ana")
    assert "[placement:python-web-scraping]" in out
    assert "no roadmap yet" in out
    assert ClarifyingQuestion.objects.count() == 1
    assert not Roadmap.objects.exists()


def test_an_unknown_user_is_refused(write):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("--profile", write("p.json", AUTOMATION), "--user", "nobody")
