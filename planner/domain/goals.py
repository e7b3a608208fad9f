"""Goals in the learner's words: intents, the basics of a subject, and the
goal question when a goal sentence does not decide the track.

:mod:`.matching` scores tracks; this module decides what the scores mean for
the plan (docs/planner.md, "Goals"): intent words steer the choice, a goal
that only asks for the basics gets the subject's core topics, a track of
another subject is proposed (never imposed), and an unmatched or ambiguous
goal becomes a question with the closest tracks plus "just the basics",
never a refusal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from .matching import catalog_languages, names_in
from .planning import required_closure
from .text import language_guess
from .types import (
    CatalogGraph,
    GoalIntent,
    GoalKind,
    GoalMatch,
    Level,
    NormalizedProfile,
    Option,
    TrackNode,
)

#: Two tracks within this score of each other are "about equally" close.
GOAL_MARGIN = 0.15
#: A best score under this is not confident enough to plan without asking.
GOAL_CONFIDENT = 0.5
#: Tracks offered in a goal question, before "just the basics".
GOAL_OPTIONS = 3
#: A track of another subject is proposed when it scores at least this and
#: better than every track of the chosen subject.
FOREIGN_MIN = 0.5
#: Foreign tracks kept among the candidates.
FOREIGN_OPTIONS = 2
#: Score added to tracks of the goal kind an intent asks for.
INTENT_BONUS = 0.25
#: The value prefix of the "just the basics of <subject>" option.
BASICS = "basics:"

_KIND_FOR_INTENT = {GoalIntent.JOB: GoalKind.CAREER, GoalIntent.EXAM: GoalKind.EXAM}


def track_hours(graph: CatalogGraph, track: str) -> float:
    """A track's hours for a beginner who knows nothing (its required closure)."""
    closure = required_closure(graph, graph.tracks[track].targets, frozenset())
    return sum(graph.topics[t].estimated_hours for t in closure)


def subject_basics(graph: CatalogGraph, subject: str) -> tuple[str, ...]:
    """The core topics of a subject: its beginner-level topics, in rank order.

    A subject without any gets the targets of its shortest track, and one
    without tracks nothing. Their prerequisites come along when planned.
    """
    slugs = graph.topics_by_subject.get(subject, ())
    core = [s for s in slugs if graph.topics[s].level == Level.BEGINNER]
    if not core and graph.tracks_by_subject.get(subject):
        shortest = min(
            graph.tracks_by_subject[subject], key=lambda t: (track_hours(graph, t), t)
        )
        core = list(graph.tracks[shortest].targets)
    return tuple(sorted(core, key=graph.topo_rank.__getitem__))


def candidates_steered(
    found: Sequence[GoalMatch],
    subject: str | None,
    intents: Sequence[GoalIntent],
    graph: CatalogGraph,
) -> tuple[GoalMatch, ...]:
    """The matches worth keeping, steered by intents, best first (ties by slug).

    The chosen subject's tracks that scored; at most two tracks of other
    subjects, and only when they score at least ``FOREIGN_MIN`` and better
    than every track of the chosen subject. "job-ready" and "exam" add
    ``INTENT_BONUS`` to tracks of that goal kind; "basics" and "quickly" let
    the shortest of the near-best tracks win by more than ``GOAL_MARGIN``.
    """
    scored = [m for m in found if m.score > 0]
    kinds = {_KIND_FOR_INTENT[i] for i in intents if i in _KIND_FOR_INTENT}
    if kinds:
        scored = [
            GoalMatch(m.track, min(1.0, round(m.score + INTENT_BONUS, 4)))
            if graph.tracks[m.track].goal_kind in kinds
            else m
            for m in scored
        ]
    own = [
        m for m in scored if subject is None or graph.tracks[m.track].subject == subject
    ]
    best_own = max((m.score for m in own), default=0.0)
    foreign = sorted(
        (
            m
            for m in scored
            if m not in own and m.score >= FOREIGN_MIN and m.score > best_own
        ),
        key=_rank,
    )[:FOREIGN_OPTIONS]
    if GoalIntent.BASICS in intents or GoalIntent.QUICK in intents:
        own = _shortest_first(own, graph)
        foreign = _shortest_first(foreign, graph)
    return tuple(sorted([*own, *foreign], key=_rank))


def _rank(match: GoalMatch) -> tuple[float, str]:
    return (-match.score, match.track)


def _shortest_first(matches: list[GoalMatch], graph: CatalogGraph) -> list[GoalMatch]:
    """The near-best matches with the shortest one clearly ahead of the rest."""
    if len(matches) < 2:
        return matches
    best = max(m.score for m in matches)
    near = [m for m in matches if m.score >= best - GOAL_MARGIN]
    shortest = min(near, key=lambda m: (track_hours(graph, m.track), m.track))
    lowered = max(0.0, round(best - GOAL_MARGIN - 0.01, 4))
    return [
        GoalMatch(m.track, best)
        if m is shortest
        else GoalMatch(m.track, min(m.score, lowered))
        if m in near
        else m
        for m in matches
    ]


def goal_unclear(profile: NormalizedProfile, graph: CatalogGraph) -> bool:
    """Whether the goal question must be asked: a free-text goal that matched
    nothing at all, whose best match is another subject's track, or whose two
    best tracks are about equally close (or the best is not confident)."""
    if profile.track_explicit:
        return False
    candidates = profile.goal_candidates
    if not candidates:
        return profile.track is None and not profile.goal_topics
    if graph.tracks[candidates[0].track].subject != profile.subject:
        return True
    return len(candidates) >= 2 and (
        candidates[1].score >= candidates[0].score - GOAL_MARGIN
        or candidates[0].score < GOAL_CONFIDENT
    )


def goal_options(profile: NormalizedProfile, graph: CatalogGraph) -> tuple[Option, ...]:
    """The goal question's options: the closest tracks (another subject's say
    which subject), then "just the basics of <subject>". With nothing matched,
    the basics come first (what a skip assumes) and the subject's shortest
    tracks follow. Labels use the learner's language where the catalog has it.
    """
    subject = graph.subjects[profile.subject]
    basics = Option(f"{BASICS}{subject.slug}", f"Just the basics of {subject.name}")
    if profile.goal_candidates:
        slugs = [m.track for m in profile.goal_candidates[:GOAL_OPTIONS]]
        return (*(_track_option(graph, s, profile) for s in slugs), basics)
    pool = sorted(
        graph.tracks_by_subject.get(subject.slug, ()),
        key=lambda t: (track_hours(graph, t), t),
    )
    return (basics, *(_track_option(graph, s, profile) for s in pool[:GOAL_OPTIONS]))


def _track_option(graph: CatalogGraph, slug: str, profile: NormalizedProfile) -> Option:
    track = graph.tracks[slug]
    label = track_label(track, label_language(profile, graph))
    if track.subject != profile.subject:
        label = f"{label} ({graph.subjects[track.subject].name})"
    return Option(slug, label)


def label_language(profile: NormalizedProfile, graph: CatalogGraph) -> str:
    """The language to label options in: the profile's, or, when that is the
    default English, the language the goal was written in (by its function
    words) if the catalog offers it."""
    if profile.language != "en" or not profile.goal_text:
        return profile.language
    return language_guess(profile.goal_text, catalog_languages(graph)) or "en"


def track_label(track: TrackNode, language: str) -> str:
    """The track's name in ``language`` when the catalog has one, with the
    catalog's own name after it; else the catalog's name."""
    translated = next(iter(names_in(track.names, language)), "")
    if language == "en" or not translated or translated == track.name:
        return track.name
    return f"{translated} · {track.name}"


def goal_reason(profile: NormalizedProfile, graph: CatalogGraph) -> str:
    """Why the goal question is asked, for ``Question.reason``."""
    candidates = profile.goal_candidates
    subject = graph.subjects[profile.subject].name
    if not candidates:
        return f"goal: your goal did not match a track of {subject}"
    other = graph.tracks[candidates[0].track].subject
    if other != profile.subject:
        return (
            f"goal: your goal sounds closer to {graph.subjects[other].name} "
            f"than to {subject}"
        )
    return "goal: your goal matches several tracks about equally well"


def goal_answer_applied(
    profile: NormalizedProfile, graph: CatalogGraph, value: str
) -> NormalizedProfile:
    """The profile once the goal question is answered with option ``value``:
    a track (of any subject: the plan then follows that subject), or the
    basics of a subject (its core topics, no track)."""
    if value.startswith(BASICS):
        subject = value.removeprefix(BASICS)
        return dataclasses.replace(
            profile,
            subject=subject,
            track=None,
            track_explicit=True,
            goal_topics=subject_basics(graph, subject),
        )
    subject = graph.tracks[value].subject
    topics = profile.goal_topics if subject == profile.subject else ()
    return dataclasses.replace(
        profile, subject=subject, track=value, track_explicit=True, goal_topics=topics
    )


def goal_answer_label(graph: CatalogGraph, value: str) -> str:
    """What a skipped goal question assumed, for ``Assessment.assumptions``."""
    if value.startswith(BASICS):
        subject = graph.subjects[value.removeprefix(BASICS)].name
        return f"Assumed you want just the basics of {subject}."
    return f"Assumed your goal is the track {graph.tracks[value].name}."
