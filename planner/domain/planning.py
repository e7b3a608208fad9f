"""Stage 3: the plan. Targets, their prerequisite closure, order, hours, schedule.

Work grows with the plan's subgraph: a closure walk over the adjacency tuples,
one sort by the curated teaching key, a depth-first walk that puts each
topic's prerequisites just before it (:func:`teaching_order`) and one linear
scheduling sweep.
Hours are counted in integer quarter hours, so sums and the calendar are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

from .choices import (
    chosen_map,
    chosen_view,
    groups_met,
    not_passed_over,
    prerequisite_slugs,
    steps_marked,
)
from .graph import prerequisites_first
from .types import (
    LEVEL_RANK,
    Assessment,
    CatalogGraph,
    NormalizedProfile,
    Plan,
    PlanStep,
    PrerequisiteKind,
    RemovalReason,
    RemovedTopic,
    Shortfall,
    StepKind,
    TrackOption,
    Week,
    new_plan_step,
)
from .wording import removed_note

REQUIRED = PrerequisiteKind.REQUIRED
RECOMMENDED = PrerequisiteKind.RECOMMENDED

#: Hours multiplier by (learner level, topic level): topics above the learner's
#: level take longer, topics below it go faster.
HOURS_FACTOR: Mapping[tuple[int, int], float] = {
    (0, 0): 1.0,
    (0, 1): 1.25,
    (0, 2): 1.5,
    (1, 0): 0.9,
    (1, 1): 1.0,
    (1, 2): 1.25,
    (2, 0): 0.8,
    (2, 1): 0.9,
    (2, 2): 1.0,
}
NARROWER_TRACKS_MAX = 3


def quarters(base_hours: float, learner_level: str, topic_level: str) -> int:
    """Adjusted hours in quarter hours, rounded up, at least one quarter."""
    factor = HOURS_FACTOR[LEVEL_RANK[learner_level], LEVEL_RANK[topic_level]]
    return max(1, int(-(-(base_hours * factor * 4 - 1e-9) // 1)))


def quarters_by_topic(graph: CatalogGraph, learner_level: str) -> Mapping[str, int]:
    """:func:`quarters` of every topic of the snapshot for a learner at
    ``learner_level``: computed once per snapshot and level, since every plan
    needs it for each of its topics (ten thousand in a whole-catalog plan)."""
    key = ("quarters", learner_level)
    table = graph.memo.get(key)
    if table is None:
        table = graph.memo[key] = {
            slug: quarters(node.estimated_hours, learner_level, node.level)
            for slug, node in graph.topics.items()
        }
    return table


def plan_targets(profile: NormalizedProfile, graph: CatalogGraph) -> tuple[str, ...]:
    """The track's targets plus goal-matched topics, in rank order."""
    found = set(profile.goal_topics)
    chosen = chosen_map(profile)
    if chosen:  # a goal naming a member the learner did not end up choosing
        found = {t for t in found if not_passed_over(graph, chosen, t)}
    if profile.track is not None:
        track = graph.tracks[profile.track]
        found.update(track.targets)
        for group in track.target_groups:  # a group aimed at: its chosen member(s)
            found.update(chosen.get(group, ()))
    return tuple(sorted(found, key=graph.topo_rank.__getitem__))


def known_closure(graph: CatalogGraph, slugs: Iterable[str]) -> frozenset[str]:
    """``slugs`` and everything they require: knowing a topic implies its basis.

    Only required prerequisites count: a recommended one helps but is not
    needed, so knowing a topic says nothing about it. Every path that marks
    topics known (onboarding's known topics, a roadmap's done and "known"
    steps on regeneration, a placement "yes", the level) goes through here.
    """
    return frozenset(required_closure(graph, slugs, frozenset()))


def level_placement(
    graph: CatalogGraph,
    targets: Iterable[str],
    known: frozenset[str],
    subject: str,
    level: str,
) -> frozenset[str]:
    """The plan's topics a learner at ``level`` is placed past, with their basis.

    Candidates are the topics the plan may hold (the closure of ``targets``
    over both kinds of prerequisite, minus ``known``) in ``subject`` whose
    level is below ``level``. A candidate stays in the plan when it is a
    target (the learner asked for it) or needs, at any depth, a topic of the
    subject at or above the level or a target: a good teacher keeps what the
    learner's level does not cover and does not pretend its basis is known. What the placed topics require from
    other subjects is known with them (knowing a topic implies its basis).
    Returns the newly known topics; empty for a beginner.
    """
    floor = LEVEL_RANK[level]
    if floor == 0:
        return frozenset()
    aims = frozenset(targets)
    topics, requires = graph.topics, graph.requires
    blocked: set[str] = set()
    below: list[str] = []
    closure = _reach(graph, tuple(aims), known)
    for slug in sorted(closure, key=graph.topo_rank.__getitem__):
        node = topics[slug]
        ours = node.subject == subject
        if (
            slug in aims
            or (ours and LEVEL_RANK[node.level] >= floor)
            or any(r in blocked for r, k in requires.get(slug, ()) if k == REQUIRED)
        ):
            blocked.add(slug)
        elif ours:
            below.append(slug)
    return known_closure(graph, below) - known


def required_closure(
    graph: CatalogGraph,
    roots: Iterable[str],
    known: frozenset[str],
    skipped: set[str] | None = None,
    recommended: dict[str, str] | None = None,
) -> dict[str, str | None]:
    """Topics reachable from ``roots`` over required edges, skipping known ones.

    Returns topic -> the topic that pulled it in (None for a root), in
    discovery order (breadth first from the roots in the order given). Known
    topics met on the way are added to ``skipped`` when given.
    ``recommended``, when given, receives what :func:`_recommended_edges`
    would find for the whole result, from the same walk: the recommended
    prerequisites of the topics found that are neither found nor known, each
    with the one recommending it first in rank order.
    """
    found: dict[str, str | None] = {}
    for root in roots:
        if root in known:
            if skipped is not None:
                skipped.add(root)
        else:
            found.setdefault(root, None)
    queue = list(found)
    requires = graph.requires
    if recommended is not None:
        rank = graph.topo_rank
    for slug in queue:
        for req, kind in requires.get(slug, ()):
            if kind != REQUIRED:
                if recommended is not None and req not in known:
                    held = recommended.get(req)
                    if held is None or rank[slug] < rank[held]:
                        recommended[req] = slug
                continue
            if req in found:
                continue
            if req in known:
                if skipped is not None:
                    skipped.add(req)
                continue
            found[req] = slug
            queue.append(req)
    if recommended:
        for req in [r for r in recommended if r in found]:
            del recommended[req]
    return found


def plan(assessment: Assessment, graph: CatalogGraph) -> Plan:
    """Build the scheduled plan for an assessed profile.

    Inputs: the uncertainty stage's Assessment (effective profile, topics
    known) and the catalog snapshot. Output: a Plan without resources. Over
    the deadline budget, recommended topics go first; what is still over is
    reported as a Shortfall and the plan is marked infeasible, never cut.
    """
    profile, known = assessment.profile, assessment.known
    graph = chosen_view(graph, profile)  # group edges as edges to the chosen
    targets = plan_targets(profile, graph)
    rank, topics = graph.topo_rank, graph.topics
    skipped: set[str] = set()
    frontier: dict[str, str] = {}
    because = required_closure(graph, targets, known, skipped, frontier)
    level = profile.level
    hours_q = quarters_by_topic(graph, level)
    cost = {s: hours_q[s] for s in because}
    weekly_q = round(profile.weekly_hours * 4)
    budget_q = _budget_quarters(profile, weekly_q)
    kinds = dict.fromkeys(because, StepKind.REQUIRED)
    kinds.update((t, StepKind.TARGET) for t in targets if t in because)
    dropped = _add_recommended(
        graph, because, kinds, cost, known, level, budget_q, skipped, frontier
    )
    order = teaching_order(graph, because, targets, profile.subject, profile.track)
    total_q = sum(cost.values())  # the order is the same topics
    spans = schedule(list(map(cost.__getitem__, order)), profile.start_date, weekly_q)
    steps = _steps(order, spans, topics, kinds, cost, because, profile.deadline)
    met = groups_met(graph, profile, because)
    choices = tuple(c for c in profile.choices if c.group in met)
    steps = steps_marked(steps, choices)
    end = steps[-1].end_date if steps else profile.start_date
    over = budget_q is not None and total_q > budget_q
    return Plan(
        catalog_version=graph.version,
        subject=profile.subject,
        track=profile.track,
        targets=targets,
        steps=steps,
        total_hours=total_q / 4,
        weekly_hours=weekly_q / 4,
        start_date=profile.start_date,
        end_date=end,
        deadline=profile.deadline,
        budget_hours=None if budget_q is None else budget_q / 4,
        shortfall=shortfall(graph, assessment, set(because), total_q) if over else None,
        dropped_recommended=dropped,
        known=tuple(sorted(skipped, key=rank.__getitem__)),
        assumptions=assessment.assumptions,
        # Nothing dropped for time: the plan holds every topic the targets
        # reach without entering a known one, which removed_topics would walk.
        removed=removed_topics(
            graph, assessment, targets, reachable=None if dropped else because
        ),
        choices=choices,
    )


def _steps(
    order: list[str],
    spans: list[tuple[date, date, int, int]],
    topics: Mapping,
    kinds: dict[str, StepKind],
    cost: dict[str, int],
    because: dict[str, str | None],
    deadline: date | None,
) -> tuple[PlanStep, ...]:
    """One PlanStep per topic, without resources, its cut already marked
    (what ``validation.mark_cut`` would set), so no later stage rebuilds it."""
    return tuple(
        new_plan_step(
            i,
            topics[slug],
            kinds[slug],
            cost[slug] / 4,
            start,
            end,
            week_start,
            week_end,
            because[slug],
            (),
            (),
            "",
            "",
            "",
            None if deadline is None else end <= deadline,
            "",
            "",
            "",
        )
        for i, (slug, (start, end, week_start, week_end)) in enumerate(
            zip(order, spans, strict=True), start=1
        )
    )


def removed_topics(
    graph: CatalogGraph,
    assessment: Assessment,
    targets: Iterable[str],
    *,
    reachable: Mapping[str, object] | None = None,
) -> tuple[RemovedTopic, ...]:
    """Every topic the plan leaves out because of what the learner knows, with why.

    Those are the topics a learner knowing nothing would reach from the
    targets (over both kinds of prerequisite) that this plan cannot reach
    without going through a known topic; rank order. The reason of a known
    one, strongest first: the learner marked it known; a placement answer
    confirmed it; a topic of those needs it (``via`` the one the learner
    named, the nearest when several); the level placed it (``via`` the
    level-placed topic that needs it when it is not below the level itself).
    One that is not known was only needed (or recommended) by known topics
    (``via`` the nearest of them).

    ``reachable``, when given, holds those topics the plan reaches (the
    :func:`plan` of these targets and this assessment when it dropped no
    recommended topic for time: it then holds every topic the targets reach
    over both kinds without entering a known one, which is this walk's
    result, so the walk is skipped; a property test holds the two equal).
    """
    known = assessment.known
    if not known:
        return ()
    targets = tuple(targets)
    everything = _reach(graph, targets, frozenset())
    if reachable is None:
        reachable = _reach(graph, targets, known)
    gone = [s for s in everything if s not in reachable]
    if not gone:
        return ()
    profile, topics = assessment.profile, graph.topics
    hours_q = quarters_by_topic(graph, profile.level)
    why = _known_reasons(graph, assessment)
    removed = []
    for slug in sorted(gone, key=graph.topo_rank.__getitem__):
        if slug in known:
            reason, via = why.get(slug, (RemovalReason.IMPLIED, None))
        else:
            reason, via = RemovalReason.UNNEEDED, everything[slug]
            while via is not None and via not in known:
                via = everything[via]
        node = topics[slug]
        root = why.get(via, (None,))[0] if via is not None else None
        removed.append(
            RemovedTopic(
                topic=slug,
                reason=reason,
                via=via,
                hours=hours_q[slug] / 4,
                note=removed_note(
                    reason,
                    node,
                    topics[via] if via is not None else None,
                    profile.level,
                    root,
                ),
            )
        )
    return tuple(removed)


def _reach(
    graph: CatalogGraph, roots: tuple[str, ...], known: frozenset[str]
) -> dict[str, str | None]:
    """Topics reachable from ``roots`` over both kinds of prerequisite without
    entering ``known``: topic -> the topic it was reached from."""
    found: dict[str, str | None] = {r: None for r in roots if r not in known}
    queue = list(found)
    before = prerequisite_slugs(graph).get
    for slug in queue:
        for req in before(slug, ()):
            if req not in found and req not in known:
                found[req] = slug
                queue.append(req)
    return found


def _known_reasons(
    graph: CatalogGraph, assessment: Assessment
) -> dict[str, tuple[RemovalReason, str | None]]:
    """Why each known topic is known: (reason, the topic it goes through)."""
    profile, topics, known = assessment.profile, graph.topics, assessment.known
    confirmed = assessment.placement.confirmed if assessment.placement else ()
    floor = LEVEL_RANK[profile.level]
    why: dict[str, tuple[RemovalReason, str | None]] = {}
    _spread(graph, known, why, profile.known_topics, RemovalReason.KNOWN)
    _spread(graph, known, why, confirmed, RemovalReason.PLACEMENT)
    placed = assessment.placed_by_level
    below = sorted(
        (
            s
            for s in placed
            if topics[s].subject == profile.subject
            and LEVEL_RANK[topics[s].level] < floor
        ),
        key=graph.topo_rank.__getitem__,
    )
    _spread(graph, placed, why, below, RemovalReason.LEVEL)
    return why


def _spread(
    graph: CatalogGraph,
    within: frozenset[str],
    why: dict[str, tuple[RemovalReason, str | None]],
    roots: Iterable[str],
    reason: RemovalReason,
) -> None:
    """Give ``roots`` ``reason`` and what they require (inside ``within``, not
    explained yet) the reason "through" the root that reaches it first."""
    implied = RemovalReason.IMPLIED if reason != RemovalReason.LEVEL else reason
    queue = []
    for root in roots:
        if root in within and root not in why:
            why[root] = (reason, None)
            queue.append((root, root))
    for slug, root in queue:
        for req, kind in graph.requires.get(slug, ()):
            if kind == REQUIRED and req in within and req not in why:
                why[req] = (implied, root)
                queue.append((req, root))


def teaching_order(
    graph: CatalogGraph,
    members: Iterable[str],
    targets: Iterable[str],
    subject: str,
    track: str | None = None,
) -> list[str]:
    """The plan's topics in teaching order: topological, curated, chains kept whole.

    Topics are taken by their curated key: the plan's own subject before
    others, then the track's target order (what the track's first target
    needs, then what only its second needs, ...; the track's targets are
    those of ``track`` in the curator's order, and topics no track target
    needs come after), then ``position``, then targets before what they pull
    in, then ``topo_rank`` (depth, level, slug). Before a topic comes out, its
    prerequisites in the plan (required and recommended) that are not out yet
    come out just before it, walked by the same subject, target order and
    position, and among equal positions the longest chain first, so the
    shortest lands next to the topic that needs it. Hence: when the curated
    order already puts every prerequisite first, the order is the curated
    order itself; a prerequisite placed later than what needs it moves to just
    before its first dependent; and a catalog without positions is taught
    target by target, each chain finished before the next starts. A topic's
    prerequisites never come after it in the target order (what a target
    needs, its prerequisites need too), so the target order never fights the
    prerequisites. Deterministic: both keys are total orders.
    """
    aims = frozenset(targets)
    members = list(members)
    aimed = _target_rank(graph, members, track)
    last = max(aimed.values(), default=-1) + 1
    keys = _teaching_keys(graph)
    root_span, place_span, not_aim = keys.root_span, keys.topics, keys.topics
    root_low, place_low, subject_of = keys.root, keys.place, keys.subject
    root_key: dict[str, int] = {}
    place: dict[str, int] = {}
    for s in members:
        # (foreign, target order) first, as one small int; then the topic's
        # own part of each key (see _TeachingKeys).
        high = (subject_of[s] != subject) * (last + 1) + aimed.get(s, last)
        root_key[s] = high * root_span + root_low[s] + (s not in aims) * not_aim
        place[s] = high * place_span + place_low[s]

    roots = sorted(root_key, key=root_key.__getitem__)
    return prerequisites_first(roots, prerequisite_slugs(graph), place)


class _TeachingKeys(NamedTuple):
    """The snapshot's part of :func:`teaching_order`'s keys, as ints.

    The root key (foreign, target order, position, not a target, rank) and
    the prerequisite key (foreign, target order, position, -depth, rank) are
    compared as one int each: the plan's part (foreign, target order) times a
    span, plus the topic's part computed here once per snapshot: ``root`` is
    position index * 2N + rank (N topics; not being a target adds N, per
    plan), ``place`` is the topic's index (0 to N - 1) in the order by
    (position index, -depth, rank), so its span is N. Ranks are unique, so
    both orders are total and equal to the tuples' (a whole-catalog plan
    sorts ten thousand keys, and ints compare several times faster than
    tuples, small ones faster than large). ``subject`` is each topic's.
    """

    topics: int
    root_span: int
    root: Mapping[str, int]
    place: Mapping[str, int]
    subject: Mapping[str, str]


def _teaching_keys(graph: CatalogGraph) -> _TeachingKeys:
    keys = graph.memo.get(("teaching order keys",))
    if keys is not None:
        return keys
    topics, rank, depth = graph.topics, graph.topo_rank, graph.depth
    n = len(topics)
    positions = {
        p: i for i, p in enumerate(sorted({t.position for t in topics.values()}))
    }
    deepest = max(depth.values(), default=0)
    depths = deepest + 1
    place = {
        s: (positions[t.position] * depths + deepest - depth[s]) * n + rank[s]
        for s, t in topics.items()
    }
    keys = graph.memo[("teaching order keys",)] = _TeachingKeys(
        topics=n,
        root_span=len(positions) * 2 * n,
        root={s: positions[t.position] * 2 * n + rank[s] for s, t in topics.items()},
        place={s: i for i, s in enumerate(sorted(place, key=place.__getitem__))},
        subject={s: t.subject for s, t in topics.items()},
    )
    return keys


def _target_rank(
    graph: CatalogGraph, members: list[str], track: str | None
) -> dict[str, int]:
    """Each of ``members`` a target of ``track`` needs (over both kinds of
    prerequisite, within ``members``): the index of the first such target in
    the track's order. Empty without a track, with one target (nothing to
    order by), or when the targets follow the subject's curated order
    (position, then slug): only a track a curator reordered is taught target
    by target."""
    node = graph.tracks.get(track) if track is not None else None
    if node is None or not _reordered(graph, node.slug):
        return {}
    inside = frozenset(members)
    before = prerequisite_slugs(graph).get
    found: dict[str, int] = {}
    for index, target in enumerate(node.targets):
        if target not in inside or target in found:
            continue
        found[target] = index
        queue = [target]
        for slug in queue:
            for req in before(slug, ()):
                if req in inside and req not in found:
                    found[req] = index
                    queue.append(req)
    return found


def _reordered(graph: CatalogGraph, track: str) -> bool:
    """Whether a curator put ``track``'s targets out of the subjects' own
    order (position, then slug; the track's own subject first or not): what
    a track has unless someone reorders it, since rows without a number read
    by position and the migration numbered the track's own subject first. A
    track of one target has nothing to order. Once per snapshot and track
    (the whole-catalog track sorts ten thousand targets)."""
    key = ("reordered", track)
    found = graph.memo.get(key)
    if found is None:
        node, topics = graph.tracks[track], graph.topics
        listed = list(node.targets)
        by_position = sorted(listed, key=lambda t: (topics[t].position, t))
        own_first = sorted(by_position, key=lambda t: topics[t].subject != node.subject)
        found = graph.memo[key] = len(listed) > 1 and listed not in (
            by_position,
            own_first,
        )
    return found


def _budget_quarters(profile: NormalizedProfile, weekly_q: int) -> int | None:
    if profile.deadline is None:
        return None
    days = (profile.deadline - profile.start_date).days + 1
    return weekly_q * days // 7


def _add_recommended(
    graph: CatalogGraph,
    because: dict[str, str | None],
    kinds: dict[str, StepKind],
    cost: dict[str, int],
    known: frozenset[str],
    level: str,
    budget_q: int | None,
    skipped: set[str],
    frontier: dict[str, str],
) -> tuple[str, ...]:
    """Add recommended prerequisites, nearest first, while the budget allows.

    Generation by generation (recommended by the plan, then by what was just
    added), each generation in rank order. A candidate comes with its own
    required prerequisites; it is dropped when that group does not fit.
    ``frontier`` is the first generation, as :func:`required_closure` found
    it with ``because``. Returns the dropped candidates in rank order.
    """
    room = None if budget_q is None else budget_q - sum(cost.values())
    rank = graph.topo_rank
    considered: set[str] = set()
    dropped: list[str] = []
    while frontier:
        added: list[str] = []
        for cand in sorted(frontier, key=rank.__getitem__):
            if cand in because or cand in considered:
                continue
            considered.add(cand)
            group = _group(graph, cand, frontier[cand], because, known, level, room)
            if group is None:
                dropped.append(cand)
                continue
            members, group_known = group
            for slug, (parent, q) in members.items():
                because[slug] = parent
                kinds[slug] = StepKind.RECOMMENDED
                cost[slug] = q
            added.extend(members)
            skipped.update(group_known)
            if room is not None:
                room -= sum(q for _, q in members.values())
        frontier = _recommended_edges(graph, added, because, known)
    return tuple(sorted((d for d in dropped if d not in because), key=rank.__getitem__))


def _group(
    graph: CatalogGraph,
    cand: str,
    parent: str,
    because: Mapping[str, str | None],
    known: frozenset[str],
    level: str,
    room: int | None,
) -> tuple[dict[str, tuple[str, int]], set[str]] | None:
    """A candidate with its missing required prerequisites, or None when over ``room``.

    The walk stops as soon as the group is over the room, so a candidate that
    does not fit costs no more than the room it was checked against.
    """
    members: dict[str, tuple[str, int]] = {}
    met_known: set[str] = set()
    queue = [(cand, parent)]
    total = 0
    requires, hours_q = graph.requires, quarters_by_topic(graph, level)
    for slug, via in queue:
        if slug in members:
            continue
        q = hours_q[slug]
        total += q
        if room is not None and total > room:
            return None
        members[slug] = (via, q)
        for req, kind in requires.get(slug, ()):
            if kind != REQUIRED or req in because or req in members:
                continue
            if req in known:
                met_known.add(req)
            else:
                queue.append((req, slug))
    return members, met_known


def _recommended_edges(
    graph: CatalogGraph,
    sources: list[str],
    because: Mapping[str, str | None],
    known: frozenset[str],
) -> dict[str, str]:
    """Recommended prerequisites of ``sources`` not planned or known yet, each
    with the source that recommends it first in rank order (its parent)."""
    found: dict[str, str] = {}
    rank, requires = graph.topo_rank, graph.requires
    for slug in sources:  # no sort of every source: keep the first by rank
        for req, kind in requires.get(slug, ()):
            if kind == RECOMMENDED and req not in because and req not in known:
                held = found.get(req)
                if held is None or rank[slug] < rank[held]:
                    found[req] = slug
    return found


def schedule(
    step_quarters: list[int], start: date, weekly_q: int
) -> list[tuple[date, date, int, int]]:
    """Days and weeks of consecutive steps at ``weekly_q`` quarter hours a week.

    Study time is spread evenly over the days, so a step spans the days its
    hours need and may cross weeks. One pass, O(n): (start day, end day,
    first week, last week) per step, days inclusive, weeks 1-based.
    """
    spans = []
    done = 0
    origin = start.toordinal()
    days: dict[int, date] = {}  # steps share days: one date object per day
    for q in step_quarters:
        first = done * 7 // weekly_q
        done += q
        last = -(-done * 7 // weekly_q) - 1
        start_day = days.get(first)
        if start_day is None:
            start_day = days[first] = date.fromordinal(origin + first)
        end_day = days.get(last)
        if end_day is None:
            end_day = days[last] = date.fromordinal(origin + last)
        spans.append((start_day, end_day, first // 7 + 1, last // 7 + 1))
    return spans


def weekly_quarters_needed(total_q: int, days: int) -> int:
    """Quarter hours a week that fit ``total_q`` into ``days``, up to a half hour."""
    needed = -(-total_q * 7 // days)
    return needed + needed % 2


def required_quarters(
    graph: CatalogGraph, targets: Iterable[str], known: frozenset[str], level: str
) -> int:
    """Quarter hours of the required closure of ``targets`` minus ``known``."""
    hours_q = quarters_by_topic(graph, level)
    return sum(hours_q[s] for s in required_closure(graph, targets, known))


def shortfall(
    graph: CatalogGraph, assessment: Assessment, planned: set[str], total_q: int
) -> Shortfall:
    """The numbers of a missed deadline and the ways to meet it."""
    profile = assessment.profile
    if profile.deadline is None:
        raise ValueError("a shortfall needs a deadline")
    days = (profile.deadline - profile.start_date).days + 1
    weekly_q = round(profile.weekly_hours * 4)
    needed_weekly_q = weekly_quarters_needed(total_q, days)
    earliest = profile.start_date + timedelta(days=-(-total_q * 7 // weekly_q) - 1)
    return Shortfall(
        hours_needed=total_q / 4,
        hours_available=weekly_q * days // 7 / 4,
        weekly_hours_needed=needed_weekly_q / 4,
        earliest_feasible_deadline=earliest,
        narrower_tracks=narrower_tracks(
            graph, profile, assessment.known, planned, weekly_q * days // 7
        ),
    )


def narrower_tracks(
    graph: CatalogGraph,
    profile: NormalizedProfile,
    known: frozenset[str],
    planned: set[str],
    budget_q: int,
) -> tuple[TrackOption, ...]:
    """Tracks of the subject whose targets lie inside this plan and that fit the budget.

    Largest first (closest to the original goal), then by slug.
    """
    options = []
    for slug in graph.tracks_by_subject.get(profile.subject, ()):
        track = graph.tracks[slug]
        if slug == profile.track or not track.targets:
            continue
        if not all(t in planned or t in known for t in track.targets):
            continue
        q = required_quarters(graph, track.targets, known, profile.level)
        if 0 < q <= budget_q:
            options.append((-q, slug, TrackOption(slug, track.name, q / 4)))
    return tuple(option for *_, option in sorted(options)[:NARROWER_TRACKS_MAX])


def weeks(plan: Plan) -> tuple[Week, ...]:
    """The plan's calendar week by week (hours and steps of each), in O(steps + weeks)."""
    if not plan.steps:
        return ()
    weekly_q = round(plan.weekly_hours * 4)
    hours: dict[int, int] = {}
    members: dict[int, list[str]] = {}
    done = 0
    for step in plan.steps:
        left = round(step.hours * 4)
        while left:
            week = done // weekly_q
            take = min(left, weekly_q * (week + 1) - done)
            hours[week] = hours.get(week, 0) + take
            members.setdefault(week, []).append(step.topic)
            done += take
            left -= take
    origin = plan.start_date
    return tuple(
        Week(
            index=w + 1,
            start=origin + timedelta(days=7 * w),
            end=origin + timedelta(days=7 * w + 6),
            hours=hours[w] / 4,
            steps=tuple(members[w]),
        )
        for w in sorted(hours)
    )
