"""``manage.py plan_roadmap --profile FILE.json``: the planner, synchronously.

For operators and tests: the same pipeline a planning job runs, without a
user account. Prints the clarifying questions still needed (stable ids, so an
answers file written from one run applies to the next) or the plan. Invalid
input prints every field error and exits 1. docs/planner.md describes both
files and the output.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from planner.domain import Plan, Question, Repair
from planner.services import plan_preview, profile_plan_store
from roadmaps.services.store import ResourceDetail, resource_details, roadmap_notices
from wayfinder.errors import command_errors


class Command(BaseCommand):
    help = (
        "Plan a roadmap from an onboarding-answers file: print the clarifying "
        "questions still needed, or the scheduled plan with its resources."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--profile", required=True, help="onboarding answers (JSON object)"
        )
        parser.add_argument(
            "--answers", help="answers to clarifying questions, by question id (JSON)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--start-date",
            type=_iso_date,
            help="the schedule's first day, YYYY-MM-DD (default today); it is "
            "also the 'today' deadlines are checked against, so a run repeats",
        )
        parser.add_argument(
            "--user", help="store the profile, answers and roadmap for this username"
        )

    @command_errors()
    def handle(self, *args: Any, **options: Any) -> None:
        raw = _read_json(options["profile"], "--profile")
        answers = (
            _read_json(options["answers"], "--answers") if options["answers"] else {}
        )
        today = options["start_date"] or timezone.localdate()
        if options["start_date"]:
            raw = {**raw, "start_date": today.isoformat()}
        if options["user"]:
            output = _for_user(options["user"], raw, answers, today)
        else:
            result = plan_preview(raw=raw, answers=answers, today=today)
            output = _output(result.questions, result.plan, result.repairs)
        if options["json"]:
            self.stdout.write(json.dumps(output, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_text(output))


def _for_user(username: str, raw: dict, answers: Mapping, today: date) -> dict:
    """Store what a learner would (the profile, the answers, the roadmap)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    stored = profile_plan_store(owner=user, raw=raw, answers=answers, today=today)
    result = stored.result
    output = _output(result.questions, result.plan, result.repairs)
    output["profile_id"] = stored.profile.pk
    if stored.roadmap is not None:
        output["roadmap_id"] = stored.roadmap.pk
    return output


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--start-date: {text!r} is not a date (YYYY-MM-DD)."
        ) from None


def _read_json(path: str, flag: str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{flag}: cannot read {path}: {exc.strerror}.") from None
    except ValueError as exc:
        raise CommandError(f"{flag}: {path} is not valid JSON: {exc}.") from None
    if not isinstance(data, dict):
        raise CommandError(f"{flag}: {path} must hold a JSON object.")
    return data


# -- output -----------------------------------------------------------------------
def _output(
    questions: tuple[Question, ...], plan: Plan | None, repairs: tuple[Repair, ...]
) -> dict:
    if plan is None:
        return {"status": "questions", "questions": [_question(q) for q in questions]}
    details = resource_details(r.resource for s in plan.steps for r in s.resources)
    return {
        "status": "plan",
        "plan": _plan(plan, details),
        "repairs": [_repair(r) for r in repairs],
        "notices": roadmap_notices(plan, repairs),
    }


def _question(q: Question) -> dict:
    return {
        "id": q.id,
        "kind": str(q.kind),
        "order": q.order,
        "text": q.text,
        "reason": q.reason,
        "options": [{"value": o.value, "label": o.label} for o in q.options],
        "topic": q.topic,
    }


def _repair(r: Repair) -> dict:
    return {"rule": r.rule, "step": r.step, "message": r.message}


def _resource(detail: ResourceDetail | None) -> dict:
    """What a person reads about a resource; nulls once it left the catalog."""
    if detail is None:
        return dict.fromkeys(
            ("title", "url", "provider", "format", "language", "duration_minutes")
        )
    return {
        "title": detail.title,
        "url": detail.url or None,
        "provider": {"slug": detail.provider_slug, "name": detail.provider_name},
        "format": detail.format,
        "language": detail.language,
        "duration_minutes": detail.duration_minutes,
    }


def _plan(plan: Plan, details: Mapping[str, ResourceDetail]) -> dict:
    shortfall = plan.shortfall
    return {
        "catalog_version": plan.catalog_version,
        "subject": plan.subject,
        "track": plan.track,
        "targets": list(plan.targets),
        "start_date": plan.start_date.isoformat(),
        "end_date": plan.end_date.isoformat(),
        "deadline": plan.deadline.isoformat() if plan.deadline else None,
        "weekly_hours": plan.weekly_hours,
        "total_hours": plan.total_hours,
        "budget_hours": plan.budget_hours,
        "feasible": plan.feasible,
        "steps": [
            {
                "position": s.position,
                "topic": s.topic,
                "name": s.name,
                "title": s.name,
                "kind": str(s.kind),
                "because": s.because,
                "hours": s.hours,
                "weeks": [s.week_start, s.week_end],
                "start_date": s.start_date.isoformat(),
                "end_date": s.end_date.isoformat(),
                "flags": list(s.flags),
                "no_resource": s.no_resource or None,
                "no_resource_reason": s.no_resource_reason or None,
                "fits_deadline": s.fits_deadline,
                "choice": (
                    {
                        "group": s.chosen_from,
                        "reason": s.choice_reason,
                        "note": s.choice_note,
                    }
                    if s.chosen_from
                    else None
                ),
                "resources": [
                    {
                        "rank": r.rank,
                        "resource": r.resource,
                        **_resource(details.get(r.resource)),
                        "score": round(r.score.total, 4),
                        "parts": {k: round(v, 4) for k, v in r.score.parts.items()},
                        "variety_penalty": round(r.score.variety_penalty, 4),
                        "flags": list(r.flags),
                    }
                    for r in s.resources
                ],
            }
            for s in plan.steps
        ],
        "shortfall": None
        if shortfall is None
        else {
            "hours_needed": shortfall.hours_needed,
            "hours_available": shortfall.hours_available,
            "weekly_hours_needed": shortfall.weekly_hours_needed,
            "earliest_feasible_deadline": shortfall.earliest_feasible_deadline.isoformat(),
            "narrower_tracks": [
                {"slug": t.slug, "name": t.name, "hours": t.hours}
                for t in shortfall.narrower_tracks
            ],
        },
        "dropped_recommended": list(plan.dropped_recommended),
        "known": list(plan.known),
        "removed": [r.as_json() for r in plan.removed],
        "assumptions": list(plan.assumptions),
    }


def _text(output: dict) -> str:
    lines = (
        _questions_text(output)
        if output["status"] == "questions"
        else _plan_text(output)
    )
    if "roadmap_id" in output:
        lines.append(
            f"Stored as roadmap {output['roadmap_id']} (profile {output['profile_id']})."
        )
    elif "profile_id" in output:
        lines.append(f"Stored as profile {output['profile_id']}; no roadmap yet.")
    return "\n".join(lines)


def _questions_text(output: dict) -> list[str]:
    questions = output["questions"]
    lines = [
        f"{len(questions)} question(s) to answer before planning. Answer by id in a "
        "JSON file and run again with --answers FILE:"
    ]
    for q in questions:
        options = " | ".join(f"{o['value']} ({o['label']})" for o in q["options"])
        lines += [
            f"  [{q['id']}] {q['text']}",
            f"      kind: {q['kind']}, question {q['order']} of at most 3",
            f"      why: {q['reason']}",
            f"      options: {options}",
        ]
    example = {q["id"]: q["options"][0]["value"] for q in questions if q["options"]}
    lines.append(f"  answers file example: {json.dumps(example, ensure_ascii=False)}")
    return lines


def _hours(value: float) -> str:
    return f"{value:g} h"


def _plan_text(output: dict) -> list[str]:
    plan = output["plan"]
    track = f", track {plan['track']}" if plan["track"] else ""
    lines = [
        f"Plan: {plan['subject']}{track} (catalog version {plan['catalog_version']})",
        f"From {plan['start_date']} to {plan['end_date']}: {len(plan['steps'])} steps, "
        f"{_hours(plan['total_hours'])} at {_hours(plan['weekly_hours'])} a week",
    ]
    if plan["deadline"]:
        verdict = "met" if plan["feasible"] else "NOT met"
        lines.append(f"Deadline {plan['deadline']}: {verdict}")
    for step in plan["steps"]:
        first, last = step["weeks"]
        weeks = f"week {first}" if first == last else f"weeks {first}-{last}"
        flags = f" [{', '.join(step['flags'])}]" if step["flags"] else ""
        cut = {True: "", False: " AFTER THE DEADLINE", None: ""}[step["fits_deadline"]]
        lines.append(
            f"{step['position']:>3}. {step['title']} [{step['topic']}] ({step['kind']}) "
            f"{_hours(step['hours'])}, {weeks}, "
            f"{step['start_date']} to {step['end_date']}{cut}{flags}"
        )
        if step["no_resource_reason"]:
            lines.append(f"       No resource yet: {step['no_resource_reason']}")
        if step["choice"]:
            choice = step["choice"]
            lines.append(f"       Chosen from {choice['group']}: {choice['note']}")
        for res in step["resources"]:
            lines += _resource_text(res)
    lines += _plan_notes(plan, output["repairs"])
    lines += [f"Notice: {n['message']}" for n in output["notices"]]
    return lines


def _resource_text(res: dict) -> list[str]:
    parts = ", ".join(f"{k} {v:g}" for k, v in res["parts"].items())
    extra = f"; variety -{res['variety_penalty']:g}" if res["variety_penalty"] else ""
    rflags = f" [{', '.join(res['flags'])}]" if res["flags"] else ""
    if res["title"] is None:
        about = f"{res['resource']} (no longer in the catalog)"
    else:
        provider = res["provider"]["name"]
        about = (
            f"{res['title']} [{res['resource']}], {provider}, {res['format']}, "
            f"{res['language']}, {res['duration_minutes']} min"
        )
    lines = [f"       {res['rank']}. {about}"]
    if res["url"]:
        lines.append(f"          {res['url']}")
    lines.append(f"          score {res['score']:.4f} ({parts}{extra}){rflags}")
    return lines


def _plan_notes(plan: dict, repairs: list[dict]) -> list[str]:
    lines = []
    shortfall = plan["shortfall"]
    if shortfall:
        tracks = ", ".join(
            f"{t['slug']} ({_hours(t['hours'])})" for t in shortfall["narrower_tracks"]
        )
        lines += [
            f"Shortfall: {_hours(shortfall['hours_needed'])} needed, "
            f"{_hours(shortfall['hours_available'])} available before the deadline",
            f"  options: {_hours(shortfall['weekly_hours_needed'])} a week, or a "
            f"deadline of {shortfall['earliest_feasible_deadline']}"
            + (f", or a narrower track: {tracks}" if tracks else ""),
        ]
    if plan["dropped_recommended"]:
        lines.append(
            f"Recommended topics left out: {', '.join(plan['dropped_recommended'])}"
        )
    lines += [f"Assumed: {text}" for text in plan["assumptions"]]
    lines += [
        f"Repaired [{r['rule']}] {r['step'] or '-'}: {r['message']}" for r in repairs
    ]
    return lines
