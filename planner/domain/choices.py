"""Choice groups: which member(s) of each "pick one of" group a learner gets, and why.

A track may aim at a group and a topic may need one; the plan then holds only
the chosen member(s) (and their own prerequisites), never every alternative.
Per group, the first of these signals that names enough members decides, the
next ones fill up to ``min_choices`` (docs/planner.md, "Choice groups"):

1. the learner's own pick on the roadmap (``choices`` in the onboarding answers);
2. the goal text naming a member ("using Go"), or a topic the goal names;
3. a member the learner already knows;
4. the answer to the group's clarifying question;
5. the curator's default;
6. the member with the best offerable resources in the learner's language
   for their level, ties by the group's curated order.

:func:`resolve` walks the plan's reach from its targets and decides every group
met on the way (a chosen member may need further groups); :func:`chosen_view`
gives the planning stages a graph in which each group edge is an ordinary edge
to the chosen member(s). Everything is a pure function of its arguments.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping

from .catalog import age_allows
from .graph import Lookup
from .text import STOPWORDS, phrase, words
from .types import (
    LANGUAGE_NAMES,
    LEVEL_RANK,
    CatalogGraph,
    Choice,
    ChoiceGroupNode,
    ChoiceReason,
    NormalizedProfile,
    Option,
    PrerequisiteKind,
    Question,
    QuestionKind,
)

#: A group's question is asked when the plan's hours differ by more than this
#: between its members (in quarter hours: 3 hours).
QUESTION_MIN_QUARTERS = 12
QUESTION_PREFIX = "choice:"
#: Reasons strong enough that no question is asked for the group.
SETTLED = frozenset(
    (
        ChoiceReason.PICKED,
        ChoiceReason.MENTIONED,
        ChoiceReason.KNOWN,
        ChoiceReason.ANSWER,
    )
)
_SHORT_NAME = 2  # a name this short ("Go", "R", "C") must be typed as written


# -- the learner's own picks (onboarding answers "choices") ----------------------
def parse_picks(value: object, graph: CatalogGraph) -> tuple[Choice, ...]:
    """``{"group-slug": ["member", ...]}`` (or a single member) to PICKED Choices.

    Raises ``ValueError`` naming the first problem (the normaliser files it
    under ``choices``): an unknown group, a slug that is not a member, or
    more members than the group has.
    """
    if value is None or value == {}:
        return ()
    if not isinstance(value, Mapping):
        raise ValueError("Must be an object: choice group slug -> member slug(s).")
    picks = []
    for slug in sorted(value):
        group = graph.groups.get(slug) if isinstance(slug, str) else None
        if group is None:
            raise ValueError(f"Unknown choice group {slug!r}.")
        raw = value[slug]
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple) or not items:
            raise ValueError(f"{slug}: expected a member slug or a list of them.")
        wrong = [m for m in items if not isinstance(m, str) or m not in group.members]
        if wrong:
            members = ", ".join(group.members)
            raise ValueError(f"{slug}: {wrong[0]!r} is not one of: {members}.")
        members = tuple(m for m in group.members if m in set(items))
        picks.append(
            Choice(slug, members, ChoiceReason.PICKED, _note_picked(graph, members))
        )
    return tuple(picks)


def picks_kept(value: object, graph: CatalogGraph) -> dict[str, list[str]]:
    """The stored picks that still fit the catalog (groups or members the
    curators removed since are dropped, never an error for an old profile)."""
    if not isinstance(value, Mapping):
        return {}
    kept: dict[str, list[str]] = {}
    for slug, raw in value.items():
        group = graph.groups.get(slug) if isinstance(slug, str) else None
        items = [raw] if isinstance(raw, str) else raw
        if group is None or not isinstance(items, list | tuple):
            continue
        members = [m for m in items if isinstance(m, str) and m in group.members]
        if members:
            kept[slug] = members
    return kept


# -- deciding every group the plan meets -----------------------------------------
def resolve(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    answers: Mapping[str, str | None] | None = None,
) -> tuple[Choice, ...]:
    """A Choice for every group the plan of ``profile`` can reach, by group slug.

    The walk starts at the track's targets and target groups and the goal's
    topics, follows required and recommended edges (topics the learner said
    they know end a branch) and decides each group when it is first met, then
    walks on from its chosen members. ``answers`` maps group slug -> the
    member answered to its question (None: skipped). A member counts as
    known to choose it only when the learner said so (their known topics and
    what those need), not when placement assumed it; so the choices do not
    move while placement questions are answered, and a group only below
    topics placed as known is decided but left out of the plan.
    """
    if not graph.groups:
        return ()
    from .planning import known_closure  # planning imports this module

    said = known_closure(graph, profile.known_topics)
    picked = {c.group: c for c in profile.choices if c.reason == ChoiceReason.PICKED}
    answers = answers or {}
    decided: dict[str, Choice] = {}
    queue, pending = _roots(profile, graph)
    requires, needs = graph.requires, graph.requires_groups
    seen: set[str] = set()
    t = g = 0  # breadth first over two queues, without popping from the front
    while t < len(queue) or g < len(pending):
        while g < len(pending):
            slug = pending[g]
            g += 1
            if slug not in decided:
                decided[slug] = picked.get(slug) or choose(
                    profile, graph, graph.groups[slug], said, answers.get(slug)
                )
                queue.extend(decided[slug].members)
        if t == len(queue):
            break
        topic = queue[t]
        t += 1
        if topic in seen:
            continue
        seen.add(topic)
        if topic in said:
            continue
        queue.extend(req for req, _ in requires.get(topic, ()) if req not in seen)
        groups = needs.get(topic)
        if groups:
            pending.extend(slug for slug, _ in groups)
    return tuple(decided[g] for g in sorted(decided))


def _roots(profile: NormalizedProfile, graph: CatalogGraph) -> tuple[list, list]:
    roots = list(profile.goal_topics)
    groups: list[str] = []
    if profile.track is not None and profile.track in graph.tracks:
        track = graph.tracks[profile.track]
        roots.extend(track.targets)
        groups.extend(track.target_groups)
    return roots, groups


def choose(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    group: ChoiceGroupNode,
    known: frozenset[str],
    answer: str | None = None,
) -> Choice:
    """The member(s) of ``group`` for this learner: the strongest signal that
    names any member decides the reason; weaker ones fill up to min_choices."""
    liked = frozenset(profile.liked_topics)
    signals = (
        (ChoiceReason.MENTIONED, lambda: mentioned(profile, graph, group)),
        # A liked technology is something the learner said too: the same
        # reason, after the goal's own words ("note" tells them apart).
        (ChoiceReason.MENTIONED, lambda: [m for m in group.members if m in liked]),
        (ChoiceReason.KNOWN, lambda: [m for m in group.members if m in known]),
        (ChoiceReason.ANSWER, lambda: [answer] if answer in group.members else []),
        (ChoiceReason.DEFAULT, lambda: [group.default] if group.default else []),
        (ChoiceReason.RESOURCES, lambda: by_resources(profile, graph, group)),
    )
    # The first signal naming members decides (all it names count: a learner
    # who mentions two languages gets both); weaker ones fill to min_choices.
    chosen: list[str] = []
    reason = ChoiceReason.RESOURCES
    by_likes = False
    for index, (why, members_of) in enumerate(signals):
        if chosen and len(chosen) >= group.min_choices:
            break
        members = members_of()
        if members and not chosen:
            reason, by_likes = why, index == 1
            chosen.extend(members if why != ChoiceReason.RESOURCES else members[:1])
        if chosen and len(chosen) < group.min_choices:
            chosen.extend(m for m in members if m not in chosen)
            del chosen[group.min_choices :]
    order = {m: i for i, m in enumerate(group.members)}
    members = tuple(sorted(set(chosen), key=order.__getitem__))
    if by_likes:
        named = [m for m in members if m in liked]
        return Choice(group.slug, members, reason, f"you like {_names(graph, named)}")
    return Choice(group.slug, members, reason, note(reason, profile, graph, members))


def mentioned(
    profile: NormalizedProfile, graph: CatalogGraph, group: ChoiceGroupNode
) -> list[str]:
    """Members the goal names: a topic the goal matched, or the member's name
    as a phrase of the goal text (a name of one or two letters, or one that
    is an everyday word like "Go", only when typed with its capitals)."""
    text = profile.goal_text
    said = words(text)
    found = []
    for slug in group.members:
        if slug in profile.goal_topics:
            found.append(slug)
            continue
        name = re.sub(r"\(.*?\)", " ", graph.topics[slug].name).strip()
        key = phrase(name).split()
        if not key:
            continue
        if len(key) == 1 and (len(key[0]) <= _SHORT_NAME or key[0] in STOPWORDS):
            if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text):
                found.append(slug)
        elif _has_phrase(said, key):
            found.append(slug)
    return found


def _has_phrase(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def by_resources(
    profile: NormalizedProfile, graph: CatalogGraph, group: ChoiceGroupNode
) -> list[str]:
    """The group's members, best resources for the learner first.

    A member's score is its best offerable resource in the learner's language
    that serves their age: the resource's quality and coverage (precomputed in
    the snapshot) plus a bonus when its difficulty is the learner's level. A
    member with none in the language comes after every member with some;
    ties keep the curated order.
    """
    level = LEVEL_RANK[profile.level]
    scored = []
    for index, slug in enumerate(group.members):
        offers = graph.offers_by_language.get(slug, {}).get(profile.language, ())
        best = max(
            (
                o.base + (0.2 if LEVEL_RANK[o.resource.difficulty] == level else 0.0)
                for o in offers
                if age_allows(profile.age_range, o.resource.age_ranges)
            ),
            default=None,
        )
        scored.append((best is None, -(best or 0.0), index, slug))
    return [slug for *_, slug in sorted(scored)]


# -- the learner-facing sentences -------------------------------------------------
def _names(graph: CatalogGraph, members: Iterable[str]) -> str:
    names = [graph.topics[m].name for m in members]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _note_picked(graph: CatalogGraph, members: tuple[str, ...]) -> str:
    return f"you picked {_names(graph, members)}"


def note(
    reason: ChoiceReason,
    profile: NormalizedProfile,
    graph: CatalogGraph,
    members: tuple[str, ...],
) -> str:
    """ "you mentioned Go", "curator's default", "best resources in Spanish for
    beginners", "your answer"..."""
    if reason == ChoiceReason.PICKED:
        return _note_picked(graph, members)
    if reason == ChoiceReason.MENTIONED:
        return f"you mentioned {_names(graph, members)}"
    if reason == ChoiceReason.KNOWN:
        return f"you already know {_names(graph, members)}"
    if reason == ChoiceReason.ANSWER:
        return "your answer"
    if reason == ChoiceReason.DEFAULT:
        return "curator's default"
    language = LANGUAGE_NAMES.get(profile.language, (str(profile.language),))[0]
    if not any(
        graph.offers_by_language.get(m, {}).get(profile.language) for m in members
    ):
        return f"no member has resources in {language} yet: first in the curated order"
    return f"best resources in {language} for {_LEARNERS[profile.level]}"


_LEARNERS = {
    "beginner": "beginners",
    "intermediate": "intermediate learners",
    "advanced": "advanced learners",
}


# -- planning with the choices made ------------------------------------------------
def chosen_map(profile: NormalizedProfile) -> dict[str, tuple[str, ...]]:
    """group slug -> chosen members, from the profile's decided choices."""
    return {c.group: c.members for c in profile.choices}


def member_edges(graph: CatalogGraph) -> Mapping[str, tuple]:
    """``graph.requires`` plus, for each topic needing a group, an edge to every
    member: a roadmap's steps hold only the chosen ones, so filtering these to
    the steps gives the edges of the plan (``roadmaps`` stores them)."""
    if not graph.requires_groups:
        return graph.requires
    every = {slug: group.members for slug, group in graph.groups.items()}
    base = graph.requires
    if isinstance(base, _ChosenRequires):
        base = base.base
    return _ChosenRequires(base, graph, every)


def not_passed_over(
    graph: CatalogGraph, chosen: Mapping[str, tuple[str, ...]], topic: str
) -> bool:
    """False when ``topic`` belongs to a decided group that chose other members."""
    return all(
        topic in chosen.get(group, (topic,))
        for group in graph.groups_by_topic.get(topic, ())
    )


def chosen_view(graph: CatalogGraph, profile: NormalizedProfile) -> CatalogGraph:
    """``graph`` whose ``requires`` also holds, for every topic needing a group,
    an edge to each chosen member (of the group edge's kind). The same
    snapshot when no group is involved; otherwise a shallow copy sharing every
    other index, whose merged adjacency is computed per topic on demand."""
    base = graph.requires
    if isinstance(base, _ChosenRequires):  # a view of a view: start from the snapshot
        base = base.base
    if not graph.requires_groups or not profile.choices:
        return (
            graph
            if base is graph.requires
            else dataclasses.replace(graph, requires=base)
        )
    merged = _ChosenRequires(base, graph, chosen_map(profile))
    return dataclasses.replace(graph, requires=merged)


def prerequisite_slugs(graph: CatalogGraph) -> Lookup[str]:
    """Each topic's prerequisites (both kinds, in ``requires`` order) as
    slugs alone, by ``get(slug, default)`` (a topic without any has no entry):
    what the walks over every topic of a plan read, without a pair to unpack
    per edge, and what a set takes whole (``seen.issuperset(slugs)``).

    For the snapshot, a dict built once and kept in ``memo`` with the
    ``requires`` it was read from; for a :func:`chosen_view` with edges of its
    own, its topics' slugs as they are asked for. Tuples of strings, not
    frozensets: the collector stops tracking those, so full collections never
    walk them.
    """
    requires = graph.requires
    if isinstance(requires, _ChosenRequires):
        return requires.slugs
    entry = graph.memo.get(("prerequisite slugs",))
    if entry is not None and entry[0] is requires:
        return entry[1]
    table = {
        slug: tuple(req for req, _ in reqs) for slug, reqs in requires.items() if reqs
    }
    if entry is None:
        graph.memo[("prerequisite slugs",)] = (requires, table)
    return table


class _ChosenSlugs:
    """A view's :func:`prerequisite_slugs`, per topic on demand."""

    def __init__(self, requires: _ChosenRequires) -> None:
        self._requires = requires
        self._memo: dict[str, tuple[str, ...]] = {}

    def get(self, slug: str, default=None) -> tuple[str, ...] | None:
        found = self._memo.get(slug)
        if found is None:
            pairs = self._requires.get(slug)
            if not pairs:
                return default
            found = self._memo[slug] = tuple(req for req, _ in pairs)
        return found


class _ChosenRequires(Mapping):
    """``graph.requires`` with group edges made edges to the chosen members."""

    def __init__(
        self,
        base: Mapping[str, tuple[tuple[str, PrerequisiteKind], ...]],
        graph: CatalogGraph,
        chosen: Mapping[str, tuple[str, ...]],
    ):
        self.base = self._base = base
        self._groups = graph.requires_groups
        self._rank = graph.topo_rank
        self._chosen = chosen
        self._memo: dict[str, tuple[tuple[str, PrerequisiteKind], ...]] = {}
        self.slugs = _ChosenSlugs(self)

    def get(self, slug: str, default=None):  # the planner's hot path: no KeyError
        found = self._memo.get(slug)
        if found is not None:
            return found
        if slug not in self._groups:
            return self._base.get(slug, default)
        return self._merged(slug)

    def __getitem__(self, slug: str) -> tuple[tuple[str, PrerequisiteKind], ...]:
        found = self.get(slug)
        if found is None:
            raise KeyError(slug)
        return found

    def _merged(self, slug: str) -> tuple[tuple[str, PrerequisiteKind], ...]:
        base = self._base.get(slug)
        needed = self._groups[slug]
        pairs = dict(base or ())
        for group, kind in needed:
            for member in self._chosen.get(group, ()):
                if pairs.get(member) != PrerequisiteKind.REQUIRED:
                    pairs[member] = kind
        found = tuple(sorted(pairs.items(), key=lambda p: self._rank[p[0]]))
        self._memo[slug] = found
        return found

    def __iter__(self) -> Iterator[str]:
        yield from self._base
        yield from (s for s in self._groups if s not in self._base)

    def __len__(self) -> int:
        return len(self._base) + sum(1 for s in self._groups if s not in self._base)

    def __contains__(self, slug: object) -> bool:
        return slug in self._base or slug in self._groups


def with_choices(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    answers: Mapping[str, str | None] | None = None,
) -> NormalizedProfile:
    """``profile`` with every group its plan meets decided (see :func:`resolve`)."""
    if not graph.groups:
        return profile
    return dataclasses.replace(profile, choices=resolve(profile, graph, answers))


# -- the clarifying question -------------------------------------------------------
def member_quarters(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    known: frozenset[str],
    group: str,
) -> dict[str, int]:
    """Quarter hours each member of ``group`` would add to the plan's required
    topics (its own required closure beyond what the plan holds anyway)."""
    return _stakes(profile, graph, known, [group])[group]


def _stakes(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    known: frozenset[str],
    groups: list[str],
) -> dict[str, dict[str, int]]:
    """Per group of ``groups``: each member's quarter hours beyond the plan
    those groups leave (one closure for the plan, one small one per member;
    members shared by two such groups count for both)."""
    from .planning import (  # planning imports this module
        quarters_by_topic,
        required_closure,
    )

    open_ = set(groups)
    rest = dataclasses.replace(
        profile, choices=tuple(c for c in profile.choices if c.group not in open_)
    )
    view = chosen_view(graph, rest)
    held = known | frozenset(required_closure(view, plan_roots(rest, graph), known))
    hours_q = quarters_by_topic(graph, profile.level)
    return {
        group: {
            member: sum(hours_q[s] for s in required_closure(view, [member], held))
            for member in graph.groups[group].members
        }
        for group in groups
    }


def plan_roots(profile: NormalizedProfile, graph: CatalogGraph) -> list[str]:
    """The plan's roots with the profile's choices: what ``plan_targets`` gives."""
    chosen = chosen_map(profile)
    roots = [t for t in profile.goal_topics if not_passed_over(graph, chosen, t)]
    if profile.track is not None:
        track = graph.tracks[profile.track]
        roots += track.targets
        roots += [m for g in track.target_groups for m in chosen.get(g, ())]
    return roots


def in_play(
    profile: NormalizedProfile, graph: CatalogGraph, known: frozenset[str]
) -> frozenset[str]:
    """The groups the plan uses now: the track's target groups and the groups
    a topic of its required closure (minus ``known``) needs."""
    from .planning import required_closure  # planning imports this module

    view = chosen_view(graph, profile)
    topics = required_closure(view, plan_roots(profile, graph), known)
    return groups_met(graph, profile, topics)


def open_groups(profile: NormalizedProfile, graph: CatalogGraph) -> list[Choice]:
    """The decided groups whose member the learner has not said anything about."""
    return [c for c in profile.choices if c.reason not in SETTLED]


def choice_question(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    known: frozenset[str],
    order: int,
    asked: Iterable[str] = (),
) -> tuple[Question, float] | None:
    """The most consequential open group's question and its hours at stake.

    A group qualifies when its members' plan hours differ by more than
    ``QUESTION_MIN_QUARTERS``; among them the largest difference wins, ties
    by group slug. The hours at stake (largest minus smallest member) rank
    the question against the other kinds. None when no group qualifies.
    """
    best: tuple[int, str, dict[str, int]] | None = None
    done = set(asked)
    candidates = [
        c.group
        for c in open_groups(profile, graph)
        if c.group not in done and len(graph.groups[c.group].members) > 1
    ]
    if candidates:
        playing = in_play(profile, graph, known)
        candidates = [g for g in candidates if g in playing]
    if not candidates:
        return None
    for group, hours in _stakes(profile, graph, known, candidates).items():
        stake = max(hours.values()) - min(hours.values())
        if stake > QUESTION_MIN_QUARTERS and (
            best is None or (-stake, group) < (-best[0], best[1])
        ):
            best = (stake, group, hours)
    if best is None:
        return None
    stake, slug, hours = best
    return _question(graph, graph.groups[slug], hours, order), stake / 4


def _question(
    graph: CatalogGraph, group: ChoiceGroupNode, hours: Mapping[str, int], order: int
) -> Question:
    from .wording import hours_text

    options = tuple(
        Option(m, f"{graph.topics[m].name} (adds about {hours_text(hours[m] / 4)})")
        for m in group.members
    )
    low, high = min(hours.values()) / 4, max(hours.values()) / 4
    many = "one" if group.min_choices == 1 else f"at least {group.min_choices}"
    return Question(
        id=f"{QUESTION_PREFIX}{group.slug}",
        kind=QuestionKind.CHOICE,
        order=order,
        text=f"{group.name}: which would you like to learn ({many})?",
        reason=(
            f"choice: your plan takes {hours_text(low)} to {hours_text(high)} more "
            f"depending on which of {group.name} you pick"
        ),
        options=options,
        hours=high - low,
    )


def groups_met(
    graph: CatalogGraph, profile: NormalizedProfile, topics: Iterable[str]
) -> frozenset[str]:
    """The groups a plan of ``topics`` (planned or known) used: the track's
    target groups and every group one of the topics needs."""
    met = set()
    if profile.track is not None and profile.track in graph.tracks:
        met.update(graph.tracks[profile.track].target_groups)
    needs = graph.requires_groups
    if not isinstance(topics, (Mapping, set, frozenset)):
        topics = set(topics)
    if len(needs) < len(topics):  # walk the smaller side (most topics need none)
        pairs = (p for slug, p in needs.items() if slug in topics)
    else:
        pairs = (needs[slug] for slug in topics if slug in needs)
    for found in pairs:
        met.update(g for g, _ in found)
    return frozenset(met)


def steps_marked(steps: tuple, choices: Iterable[Choice]) -> tuple:
    """The plan's steps, each chosen member marked with its group and why."""
    by_member: dict[str, Choice] = {}
    for choice in choices:
        for member in choice.members:
            by_member.setdefault(member, choice)
    if not by_member:
        return steps
    return tuple(
        dataclasses.replace(
            step,
            chosen_from=by_member[step.topic].group,
            choice_reason=str(by_member[step.topic].reason),
            choice_note=by_member[step.topic].note,
        )
        if step.topic in by_member
        else step
        for step in steps
    )


def group_of(question: Question) -> str:
    return question.id.removeprefix(QUESTION_PREFIX)
