"""Stage 1: onboarding answers, as a learner types them, to a NormalizedProfile.

Every field is checked and every problem reported at once (``ProfileErrors``).
The accepted keys and values are listed in docs/planner.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Protocol

from .aliases import (
    AGE_WORDS,
    COST_PHRASES,
    FORMAT_ALIASES,
    LANGUAGE_ALIASES,
    LEVEL_PHRASES,
)
from .choices import parse_picks
from .goals import candidates_steered, subject_basics
from .matching import (
    catalog_languages,
    goal_intents,
    goal_words,
    match_goal_text,
    subject_words,
    topics_named_in,
)
from .text import content_words, fold, phrase, words
from .types import (
    LANGUAGE_NAMES,
    AgeRange,
    CatalogGraph,
    CostPreference,
    Format,
    GoalIntent,
    GoalMatch,
    Language,
    Level,
    NormalizedProfile,
    ProfileErrors,
    TrackNode,
)
from .wording import AGE_WORDS as AGES_IN_WORDS

KEYS = (
    "subject",
    "level",
    "goals",
    "track",
    "weekly_hours",
    "deadline",
    "start_date",
    "language",
    "age_range",
    "formats_liked",
    "formats_disliked",
    "cost",
    "session_minutes",
    "known_topics",
    "likes",
    "timezone",
    "choices",
)
#: The most characters each answer may hold (a list counts all its texts),
#: checked before anything else is read: longer input is refused at once.
#: docs/planner.md lists them; the wizard's fields use the same numbers.
GOAL_MAX_CHARS = 500
TEXT_LIMITS = {
    "subject": 120,
    "level": 100,
    "goals": GOAL_MAX_CHARS,
    "track": 160,
    "weekly_hours": 40,
    "deadline": 40,
    "start_date": 40,
    "language": 40,
    "age_range": 40,
    "formats_liked": 300,
    "formats_disliked": 300,
    "cost": 100,
    "session_minutes": 40,
    "known_topics": 10_000,
    "likes": 1_000,
    "timezone": 64,
    "choices": 5_000,
}
WEEKLY_HOURS_RANGE = (0.5, 80.0)
SESSION_MINUTES_RANGE = (5, 480)


class GoalMatcher(Protocol):
    """Scores the tracks a free-text goal may mean (the Django side may plug search)."""

    def __call__(
        self, text: str, tracks: Sequence[TrackNode], graph: CatalogGraph
    ) -> Sequence[GoalMatch]: ...


class _Invalid(ValueError):
    """One field's problem, collected by :func:`normalize`."""


def normalize(
    raw: Mapping[str, object],
    graph: CatalogGraph,
    today: date,
    *,
    matcher: GoalMatcher | None = None,
) -> NormalizedProfile:
    """Validate onboarding answers and map them onto the vocabularies and taxonomy.

    ``raw`` maps the keys of docs/planner.md to what the learner typed;
    ``today`` decides what "in the past" means; ``matcher`` replaces the
    deterministic token-overlap goal matcher. Returns the NormalizedProfile,
    or raises ProfileErrors naming every bad field.
    """
    errors: dict[str, list[str]] = {}

    def check(name: str, parse: Callable[..., object], *args: object) -> object:
        try:
            return parse(*args)
        except _Invalid as exc:
            errors.setdefault(name, []).append(str(exc))
            return None

    for key in sorted(set(raw) - set(KEYS)):
        errors.setdefault(key, []).append(
            f"Unknown field. Expected one of: {', '.join(KEYS)}."
        )
    _refuse_oversized(raw)
    subject = check("subject", _subject, raw.get("subject"), graph)
    level = check("level", _level, raw.get("level"))
    weekly = check("weekly_hours", _weekly_hours, raw.get("weekly_hours"))
    start = check("start_date", _date, raw.get("start_date"), today)
    deadline = check("deadline", _deadline, raw.get("deadline"), today, start)
    language = check("language", _language, raw.get("language"))
    age = check("age_range", _age_range, raw.get("age_range"), subject, graph)
    liked = check("formats_liked", _formats, raw.get("formats_liked"))
    disliked = check("formats_disliked", _formats, raw.get("formats_disliked"))
    if liked and disliked and set(liked) & set(disliked):
        both = ", ".join(sorted(set(liked) & set(disliked)))
        errors.setdefault("formats_disliked", []).append(
            f"{both} cannot be both liked and disliked."
        )
    cost = check("cost", _cost, raw.get("cost"))
    session = check("session_minutes", _session_minutes, raw.get("session_minutes"))
    known = check(
        "known_topics", _known_topics, raw.get("known_topics"), subject, graph
    )
    likes = check("likes", _known_topics, raw.get("likes"), subject, graph)
    goals = check(
        "goals",
        _goals,
        raw.get("goals"),
        raw.get("track"),
        subject,
        graph,
        matcher,
        language,
    )
    picks = check("choices", _choices, raw.get("choices"), graph)
    timezone = raw.get("timezone") or "UTC"
    if not isinstance(timezone, str):
        errors.setdefault("timezone", []).append("Must be a time zone name.")
    if errors:
        raise ProfileErrors(errors)
    track, explicit, text, candidates, goal_topics, intents = goals
    return NormalizedProfile(
        subject=subject,
        level=level,
        weekly_hours=weekly,
        language=language,
        start_date=start,
        track=track,
        track_explicit=explicit,
        goal_text=text,
        goal_candidates=candidates,
        goal_topics=goal_topics,
        goal_intents=intents,
        formats_liked=liked,
        formats_disliked=disliked,
        cost=cost,
        session_minutes=session,
        deadline=deadline,
        age_range=age,
        known_topics=known,
        timezone=timezone,
        choices=picks,
        liked_topics=likes,
    )


def _choices(value: object, graph: CatalogGraph) -> tuple:
    """The learner's own picks in choice groups (docs/planner.md, "Choice groups")."""
    try:
        return parse_picks(value, graph)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None


def _refuse_oversized(raw: Mapping[str, object]) -> None:
    """Refuse, before any other work, answers longer than ``TEXT_LIMITS``."""
    errors = {}
    for key, limit in TEXT_LIMITS.items():
        value = raw.get(key)
        size = _size(value, limit)
        if size > limit:
            exact = isinstance(value, str) or size <= 2 * limit
            shown = f"{size:,}" if exact else f"over {2 * limit:,}"
            errors[key] = [
                f"Too long: at most {limit:,} characters (this has {shown})."
            ]
    if errors:
        raise ProfileErrors(errors)


def _size(value: object, limit: int) -> int:
    """Characters of text in ``value``, counting no further than past ``limit``
    twice (a huge list is not walked to its end)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        total = 0
        for item in value:
            total += 1 + _size(item, limit)
            if total > 2 * limit:
                break
        return total
    return 0


def _text(value: object, *, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Invalid("This field is required.")
        return ""
    if not isinstance(value, str):
        raise _Invalid("Must be text.")
    return value.strip()


def _items(value: object) -> list[str]:
    """A list, or text separated by commas, semicolons or new lines."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[,;\n]", value) if p.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise _Invalid("Must be text or a list of texts.")


def _has_phrase(haystack: list[str], needle: str) -> bool:
    parts = needle.split()
    n = len(parts)
    return any(haystack[i : i + n] == parts for i in range(len(haystack) - n + 1))


def _subject(value: object, graph: CatalogGraph) -> str:
    text = _text(value)
    choices = ", ".join(f"{s.slug} ({s.name})" for s in graph.subjects.values())
    folded = phrase(text)
    for slug, subject in graph.subjects.items():
        translated = (t for _, texts in subject.names for t in texts if t)
        if folded in (phrase(slug), phrase(subject.name), *map(phrase, translated)):
            return slug
    wanted = subject_words(text)
    keys = {
        slug: subject_words(f"{slug} {s.name}") for slug, s in graph.subjects.items()
    }
    # Everything typed names the subject (most specific wins), else the subject
    # whose every key word was typed (most complete wins).
    within = sorted((len(k), s) for s, k in keys.items() if wanted and wanted <= k)
    covering = sorted((-len(k), s) for s, k in keys.items() if k and k <= wanted)
    for ranked in (within, covering):
        if ranked and (len(ranked) == 1 or ranked[0][0] != ranked[1][0]):
            return ranked[0][1]
        if ranked:
            tied = ", ".join(s for n, s in ranked if n == ranked[0][0])
            raise _Invalid(f"{text!r} could mean several subjects: {tied}.")
    raise _Invalid(f"Unknown subject {text!r}. Choose one of: {choices}.")


def _level(value: object) -> Level:
    text = _text(value)
    said = words(text)
    for key, level in LEVEL_PHRASES:
        if _has_phrase(said, key) or any(w == key + "s" for w in said):
            return level
    choices = ", ".join(level.value for level in Level)
    raise _Invalid(f"Unknown level {text!r}. Choose one of: {choices}.")


def _number(value: object, units: Mapping[str, float]) -> float:
    """A number, or text like ``"5 hours"``; ``units`` scale recognised unit words."""
    if isinstance(value, bool):
        raise _Invalid("Must be a number.")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _text(value)
        numbers = re.findall(_NUMBER, text)
        rest = [w for w in words(re.sub(_NUMBER, " ", text)) if w]
        if len(numbers) != 1 or any(
            w not in units and w not in ("a", "per") for w in rest
        ):
            raise _Invalid(f"{text!r} is not a number.")
        scale = next((units[w] for w in rest if w in units and units[w] != 1.0), 1.0)
        number = float(numbers[0].replace(",", ".")) * scale
    # Hundreds of digits read as infinity, which no range check refuses and
    # round() cannot take; every range here is far below this.
    if not -_NUMBER_MAX <= number <= _NUMBER_MAX:
        raise _Invalid("Must be a number of a sensible size.")
    return number


_NUMBER = r"-?\d+(?:[.,]\d+)?"
_NUMBER_MAX = 1e9
_HOUR_UNITS = dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "week", "wk"), 1.0)
_MINUTE_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "session"), 1.0),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 60.0),
}


def _weekly_hours(value: object) -> float:
    hours = _number(value, _HOUR_UNITS)
    low, high = WEEKLY_HOURS_RANGE
    if not low <= hours <= high:
        raise _Invalid(f"Must be between {low:g} and {high:g} hours a week.")
    return min(high, max(low, round(hours * 2) / 2))


def _session_minutes(value: object) -> int:
    if value is None or value == "":
        return 45
    minutes = round(_number(value, _MINUTE_UNITS))
    low, high = SESSION_MINUTES_RANGE
    if not low <= minutes <= high:
        raise _Invalid(f"Must be between {low} and {high} minutes.")
    return minutes


def _date(value: object, default: date) -> date:
    if value is None or value == "":
        return default
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Invalid(f"{value!r} is not a date (YYYY-MM-DD).")


def _deadline(value: object, today: date, start: date | None) -> date | None:
    if value is None or value == "":
        return None
    deadline = _date(value, today)
    if deadline < today:
        raise _Invalid(f"{deadline.isoformat()} is in the past.")
    if start is not None and deadline < start:
        raise _Invalid(f"{deadline.isoformat()} is before the start date.")
    return deadline


def _language(value: object) -> Language:
    text = _text(value, required=False) or Language.EN.value
    code = re.split(r"[-_\s]", text.strip().lower(), maxsplit=1)[0]
    if code in Language._value2member_map_:
        return Language(code)
    folded = phrase(text)
    if folded in LANGUAGE_ALIASES:
        return LANGUAGE_ALIASES[folded]
    for word in words(text):
        if word in LANGUAGE_ALIASES:
            return LANGUAGE_ALIASES[word]
    choices = ", ".join(f"{c.value} ({LANGUAGE_NAMES[c][0]})" for c in Language)
    raise _Invalid(f"Unknown language {text!r}. Choose one of: {choices}.")


def _age_bucket(years: int) -> AgeRange:
    if not 3 <= years <= 120:
        raise _Invalid(f"{years} is not a plausible age.")
    if years < 13:
        return AgeRange.CHILD
    return AgeRange.TEEN if years < 18 else AgeRange.ADULT


def language_gap(graph: CatalogGraph, subject: str, language: str) -> str:
    """What to tell a learner at onboarding when ``subject`` has no offerable
    resource in ``language`` ("" when it has one, or the subject is unknown).

    Not a refusal: each step then falls back to resources in other languages
    (docs/planner.md, "Ranking"), which the roadmap flags.
    """
    if subject not in graph.subjects:
        return ""
    offers = graph.offers_by_language
    if any(
        offers.get(topic, {}).get(language)
        for topic in graph.topics_by_subject.get(subject, ())
    ):
        return ""
    name = LANGUAGE_NAMES.get(language, (language,))[0]
    return (
        f"{graph.subjects[subject].name} has no resources in {name} yet: your "
        "plan will use resources in other languages."
    )


def _age_range(value: object, subject: str | None, graph: CatalogGraph) -> AgeRange:
    if value is None or value == "":
        return AgeRange.ADULT
    if isinstance(value, int) and not isinstance(value, bool):
        age = _age_bucket(value)
    else:
        age = _age_from_text(_text(value))
    if subject is not None and age not in graph.ages_by_subject.get(subject, ()):
        who = AGES_IN_WORDS.get(age, f"the {age.value} age range")
        raise _Invalid(
            f"{graph.subjects[subject].name} has no resources for {who} yet."
        )
    return age


def _age_from_text(text: str) -> AgeRange:
    folded = fold(text)
    if re.search(r"\bunder\s*13\b", folded):
        return AgeRange.CHILD
    if re.search(r"\b18\s*\+|\bover\s*18\b", folded):
        return AgeRange.ADULT
    # An age has at most three digits; longer runs of digits are not ages.
    numbers = [int(n) for n in re.findall(r"\b\d{1,3}\b", folded)]
    if numbers:
        buckets = sorted({_age_bucket(n) for n in numbers[:2]})
        if len(buckets) > 1:
            raise _Invalid(f"{text!r} spans {' and '.join(buckets)}: choose one.")
        return buckets[0]
    compact = re.sub(r"[\s-]+", "", folded)  # "high school", "grown-up"
    for word in (compact, *words(text)):
        if word in AGE_WORDS:
            return AGE_WORDS[word]
    raise _Invalid(f"Unknown age range {text!r}. Choose one of: child, teen, adult.")


def _formats(value: object) -> tuple[Format, ...]:
    found: list[Format] = []
    for item in _items(value):
        folded = fold(item)
        fmt = FORMAT_ALIASES.get(folded.replace(" ", "")) or next(
            (FORMAT_ALIASES[w] for w in content_words(item) if w in FORMAT_ALIASES),
            None,
        )
        if fmt is None:
            choices = ", ".join(f.value for f in Format)
            raise _Invalid(f"Unknown format {item!r}. Choose from: {choices}.")
        if fmt not in found:
            found.append(fmt)
    return tuple(sorted(found))


def _cost(value: object) -> CostPreference:
    if value is None or value == "":
        return CostPreference.ANY
    if isinstance(value, bool):
        return CostPreference.FREE_ONLY if value else CostPreference.ANY
    said = words(_text(value))
    for key, pref in COST_PHRASES:
        if _has_phrase(said, key):
            return pref
    raise _Invalid(f"Unknown cost preference {value!r}. Choose: free only, or any.")


def _known_topics(value: object, subject: str | None, graph: CatalogGraph) -> tuple:
    slugs: list[str] = []
    problems: list[str] = []
    for item in _items(value):
        slug, problem = _topic(item, subject, graph)
        if problem:
            problems.append(problem)
        elif slug not in slugs:
            slugs.append(slug)
    if problems:
        raise _Invalid(" ".join(problems))
    return tuple(sorted(slugs))


def likes_kept(value: object, subject: str | None, graph: CatalogGraph) -> list[str]:
    """The items of a stored ``likes`` answer that still name a topic: a
    catalog that lost one drops it instead of refusing the stored profile."""
    try:
        items = _items(value)
    except _Invalid:
        return []
    return [item for item in items if not _topic(item, subject, graph)[1]]


def _topic(item: str, subject: str | None, graph: CatalogGraph) -> tuple[str, str]:
    if item in graph.topics:
        return item, ""
    named = graph.topics_by_name.get(phrase(item), ())
    own = [s for s in named if graph.topics[s].subject == subject]
    matches = own or list(named)
    if len(matches) == 1:
        return matches[0], ""
    if matches:
        return "", f"{item!r} could mean several topics: {', '.join(matches)}."
    hint = ""
    if subject is not None:
        near = _similar_topics(item, subject, graph)
        hint = f" Did you mean: {', '.join(near)}?" if near else ""
    return "", f"Unknown topic {item!r}.{hint}"


def _similar_topics(item: str, subject: str, graph: CatalogGraph) -> list[str]:
    wanted = set(content_words(item))
    scored = []
    for slug in graph.topics_by_subject.get(subject, ()):
        topic = graph.topics[slug]
        overlap = len(wanted & set(content_words(f"{topic.name} {slug}")))
        if overlap:
            scored.append((-overlap, graph.topo_rank[slug], slug))
    return [slug for _, _, slug in sorted(scored)[:3]]


def _goals(
    goals: object,
    track: object,
    subject: str | None,
    graph: CatalogGraph,
    matcher: GoalMatcher | None,
    language: str | None,
) -> tuple:
    items = _items(goals) + _items(track)
    if not items:
        raise _Invalid("Name a track or describe your goal in a sentence.")
    tracks: list[str] = []
    topics: list[str] = []
    texts: list[str] = []
    for item in items:
        slug = item if item in graph.tracks else _track_named(item, subject, graph)
        if slug is not None:
            owner = graph.tracks[slug].subject
            if subject is not None and owner != subject:
                raise _Invalid(f"Track {slug!r} belongs to the subject {owner!r}.")
            tracks.append(slug)
        elif item in graph.topics:
            topics.append(item)
        else:
            texts.append(item)
    tracks = sorted(set(tracks))
    if len(tracks) > 1:
        raise _Invalid(f"Name one track, not several: {', '.join(tracks)}.")
    text = " ".join(texts)
    if text and all(w.isdigit() for w in words(text)):
        raise _Invalid("Describe your goal in words, not only numbers or symbols.")
    languages = (language or "en", *catalog_languages(graph))
    intents = goal_intents(text, languages) if text else ()
    candidates = _match_text(text, subject, graph, matcher, intents) if text else ()
    if text and subject is not None:
        basics = GoalIntent.BASICS in intents
        topics += topics_named_in(text, subject, graph, basics=basics)
    explicit = bool(tracks)
    manner = GoalIntent.BASICS in intents or GoalIntent.QUICK in intents
    if not tracks and text and subject is not None and manner:
        if topics:
            # "git basics quickly": the topics named, not a whole track.
            candidates = ()
        elif GoalIntent.BASICS in intents and not goal_words(text, subject, graph):
            # "learn the basics": the subject's core topics.
            topics, candidates = list(subject_basics(graph, subject)), ()
    own = [m for m in candidates if graph.tracks[m.track].subject == subject]
    if not tracks and own:
        tracks = [own[0].track]
    topics = sorted(set(topics), key=graph.topo_rank.__getitem__)
    track = tracks[0] if tracks else None
    return track, explicit, text, candidates, tuple(topics), intents


def _match_text(
    text: str,
    subject: str | None,
    graph: CatalogGraph,
    matcher: GoalMatcher | None,
    intents: tuple[GoalIntent, ...],
) -> tuple[GoalMatch, ...]:
    """Scored tracks for a goal sentence, best first, ties by slug: the
    subject's, and other subjects' that fit clearly better (``goals``)."""
    pool = tuple(graph.tracks)
    found = (matcher or match_goal_text)(text, [graph.tracks[s] for s in pool], graph)
    return candidates_steered(
        [m for m in found if m.track in graph.tracks], subject, intents, graph
    )


def _track_named(item: str, subject: str | None, graph: CatalogGraph) -> str | None:
    folded = phrase(item)
    pool = graph.tracks_by_subject.get(subject, ()) if subject else graph.tracks
    for slug in pool:
        if phrase(graph.tracks[slug].name) == folded:
            return slug
    return None
