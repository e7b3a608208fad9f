"""Stage 4: resources for each step, scored by fit and quality, with variety.

Candidates are the topic's offers (broken primary links never appear there),
then three filters, in order: age (a child or teen learner only sees what
serves their age), cost (a free-only learner never sees paid resources while a
free or freemium one exists; with none, paid ones come back flagged
``cost_fallback``), language (only the learner's language when it exists,
else every language flagged ``language_fallback``). Each part of the score is
0-1 and the weights (``WEIGHTS``) sum to 1; docs/planner.md explains each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from operator import itemgetter

from .catalog import (
    COVERAGE_PART_WEIGHT,
    QUALITY_PART_WEIGHT,
    QUALITY_WEIGHTS,
    age_allows,
)
from .types import (
    LEVEL_RANK,
    AgeRange,
    CatalogGraph,
    Cost,
    CostPreference,
    Language,
    NoResource,
    NormalizedProfile,
    Offer,
    Plan,
    PlanStep,
    RankedResource,
    attach_resources,
    new_plan_step,
)
from .wording import no_resource_reason

TOP_N = 3
_FIRST = itemgetter(0)
_new_tuple = tuple.__new__
LANGUAGE_FALLBACK, COST_FALLBACK = "language_fallback", "cost_fallback"
WEIGHTS = {
    "language": 0.15,
    "level": 0.10,
    "format": 0.10,
    "duration": 0.10,
    "cost": 0.10,
    "age": 0.05,
    "quality": QUALITY_PART_WEIGHT,
    "coverage": COVERAGE_PART_WEIGHT,
}
#: Subtracted per resource of the same provider / format already chosen for the step.
PROVIDER_PENALTY = 0.15
FORMAT_PENALTY = 0.10
#: Never more than this many resources of one provider in one format per step.
SAME_PROVIDER_FORMAT_MAX = 2

LEVEL_FIT = {0: 1.0, -1: 0.7, 1: 0.5, -2: 0.3, 2: 0.1}  # difficulty minus learner level
COST_FIT = {
    CostPreference.FREE_ONLY: {Cost.FREE: 1.0, Cost.FREEMIUM: 0.7, Cost.PAID: 0.0},
    CostPreference.ANY: {Cost.FREE: 1.0, Cost.FREEMIUM: 0.9, Cost.PAID: 0.8},
}
FORMAT_LIKED, FORMAT_NEUTRAL, FORMAT_DISLIKED = 1.0, 0.6, 0.0
LANGUAGE_FALLBACK_FIT = {Language.EN: 0.5}  # other languages: 0.3
FRESH_DAYS, STALE_DAYS = 365, 5 * 365
W_DURATION = WEIGHTS["duration"]
FRESHNESS_SHARE = QUALITY_WEIGHTS["freshness"]
W_FRESHNESS = WEIGHTS["quality"] * FRESHNESS_SHARE


def rank(
    plan: Plan,
    profile: NormalizedProfile,
    graph: CatalogGraph,
    *,
    today: date,
    top_n: int = TOP_N,
    owned: bool = False,
) -> Plan:
    """Attach the top ``top_n`` resources to every step of ``plan``.

    ``today`` dates the freshness signal. Returns a new Plan; a step whose
    topic has no offer left after the filters gets no resources and says why
    (``no_resource``: a ``NoResource`` code, ``no_resource_reason``: the
    sentence), and stays in the plan.

    ``owned`` says the caller hands ``plan`` over (the pipeline's draft, which
    no one else holds): its steps then get their resources in place and the
    same Plan comes back, instead of a copy of every step.
    """
    scorer = _Scorer(profile, today, graph)
    age_range = profile.age_range
    steps = []
    for step in plan.steps:
        chosen, flags = rank_step(step, scorer, top_n)
        code = "" if chosen else no_resource_code(step.topic, profile, graph)
        reason = no_resource_reason(code, age_range) if code else ""
        if owned:
            attach_resources(step, chosen, flags, code, reason)
        else:
            steps.append(_with_resources(step, chosen, flags, code, reason))
    return plan if owned else dataclasses.replace(plan, steps=tuple(steps))


def no_resource_code(
    topic: str, profile: NormalizedProfile, graph: CatalogGraph
) -> str:
    """Why ``topic`` has nothing to offer this learner: the first filter that
    emptied it (no resource at all, every link broken, none for the age)."""
    if not graph.resources_by_topic.get(topic):
        return NoResource.NONE
    if not graph.offers_by_topic.get(topic):
        return NoResource.BROKEN
    if profile.age_range not in (None, AgeRange.ADULT):
        return NoResource.AGE
    return NoResource.NONE  # not reached: the cost and language filters fall back


def _with_resources(
    step: PlanStep,
    chosen: tuple[RankedResource, ...],
    flags: tuple[str, ...],
    code: str,
    reason: str,
) -> PlanStep:
    # Not dataclasses.replace (twice the cost of the constructor, which shows
    # on a ten-thousand-step plan): the draft's fields and the resources.
    return new_plan_step(
        step.position,
        step.node,
        step.kind,
        step.hours,
        step.start_date,
        step.end_date,
        step.week_start,
        step.week_end,
        step.because,
        chosen,
        flags,
        step.phrased_summary,
        code,
        reason,
        step.fits_deadline,
        step.chosen_from,
        step.choice_reason,
        step.choice_note,
    )


def rank_step(
    step: PlanStep, scorer: _Scorer, top_n: int = TOP_N
) -> tuple[tuple[RankedResource, ...], tuple[str, ...]]:
    """The chosen resources of one step and the step's fallback flags.

    Greedy: the best score first, then repeatedly the best once the variety
    penalties for providers and formats already chosen are subtracted; ties
    go to the earlier candidate in (score, slug) order.
    """
    pool, flags = scorer.candidates(step.node.slug)
    if not pool:
        return (), flags
    minutes = step.hours * 60
    scored = scorer.score_all(pool, minutes)
    total, offer = scored[0]
    chosen = [scorer.ranked(1, total, 0.0, offer, minutes)]
    if top_n > 1 and len(scored) > 1:
        _pick_rest(scored, chosen, scorer, minutes, top_n)
    return tuple(chosen), flags


def _pick_rest(
    scored: list,
    chosen: list[RankedResource],
    scorer: _Scorer,
    minutes: float,
    top_n: int,
) -> None:
    picked = [scored[0][1]]
    left = scored[1:]
    ranked = scorer.ranked
    while len(chosen) < top_n and left:
        best, best_total, best_penalty = -1, 0.0, 0.0
        for i, (total, offer) in enumerate(left):
            if best >= 0 and total <= best_total:
                break  # sorted by score and penalties only subtract: none can win
            provider, fmt = offer.provider, offer.format
            penalty, both = 0.0, 0
            for other in picked:
                if other.provider == provider:
                    penalty += PROVIDER_PENALTY
                    both += other.format == fmt
                if other.format == fmt:
                    penalty += FORMAT_PENALTY
            if both < SAME_PROVIDER_FORMAT_MAX and (
                best < 0 or total - penalty > best_total
            ):
                best, best_total, best_penalty = i, total - penalty, penalty
        if best < 0:
            return
        total, offer = left.pop(best)
        picked.append(offer)
        chosen.append(ranked(len(chosen) + 1, total, best_penalty, offer, minutes))


class _Scorer:
    """A profile's scoring, with the profile-only parts memoised per resource kind."""

    def __init__(
        self, profile: NormalizedProfile, today: date, graph: CatalogGraph
    ) -> None:
        self.offers = graph.offers_by_topic
        self.by_language = graph.offers_by_language
        self.free_mine = graph.free_offers_by_language.get(profile.language, {})
        self.fit_keys = graph.fit_keys
        self._fit: list[tuple | None] = [None] * len(graph.fit_keys)
        self._weighted: list[float | None] = [None] * len(graph.fit_keys)
        self._fresh = _freshness_table(graph, today)
        self.language = profile.language
        self.level = LEVEL_RANK[profile.level]
        self.age = profile.age_range
        self.free_only = profile.cost == CostPreference.FREE_ONLY
        self.cost_fit = COST_FIT[CostPreference(profile.cost)]
        self.liked = frozenset(profile.formats_liked)
        self.disliked = frozenset(profile.formats_disliked)

    def candidates(self, topic: str) -> tuple[Sequence[Offer], tuple[str, ...]]:
        """A topic's offers after the age, cost and language filters; fallback flags."""
        if self.age in (None, AgeRange.ADULT):
            mine = self.by_language.get(topic, {}).get(self.language)
            if mine and not self.free_only:
                return mine, ()
            if mine:
                # What the filters give when a free one is in the language:
                # the free ones in the language, in slug order.
                free = self.free_mine.get(topic)
                if free:
                    return free, ()
            elif not self.free_only:
                offers = self.offers.get(topic, ())
                return offers, (LANGUAGE_FALLBACK,) if offers else ()
        return self.filter(self.offers.get(topic, ()))

    def filter(self, offers: Sequence[Offer]) -> tuple[list[Offer], tuple[str, ...]]:
        flags = []
        pool = list(offers)
        if self.age not in (None, AgeRange.ADULT):
            pool = [o for o in pool if age_allows(self.age, o.resource.age_ranges)]
        if self.free_only and pool:
            free = [o for o in pool if o.resource.cost != Cost.PAID]
            if not free:
                flags.append(COST_FALLBACK)
            pool = free or pool
        if pool:
            mine = [o for o in pool if o.resource.language == self.language]
            if not mine:
                flags.append(LANGUAGE_FALLBACK)
            pool = mine or pool
        return pool, tuple(flags)

    def _fit_of(self, offer: Offer) -> tuple:
        fit = self._fit[offer.fit_key]
        if fit is None:
            fit = self._fit[offer.fit_key] = self._profile_fit(
                *self.fit_keys[offer.fit_key]
            )
            self._weighted[offer.fit_key] = fit[1]
        return fit

    def score_all(self, pool: Sequence[Offer], minutes: float) -> list:
        """``(total, offer)`` per candidate, best first; ties keep the pool's
        slug order (the sort is stable, reversed too). The hot loop of the
        whole pipeline, so it is kept flat and reads only precomputed numbers
        (the duration fit is :meth:`ranked`'s, written out)."""
        weighted, freshes = self._weighted, self._fresh
        w_duration, w_fresh = W_DURATION, W_FRESHNESS
        per_minute = 1.0 / minutes
        scored = []
        append = scored.append
        for offer in pool:
            fit = weighted[offer.fit_key]
            if fit is None:
                fit = self._fit_of(offer)[1]
            fresh = freshes[offer.fresh_key]
            ratio = offer.minutes * per_minute
            if ratio < 0.25:
                duration = 0.4 + 2.4 * ratio
            elif ratio <= 1.0:
                duration = 1.0
            else:  # max(0.2, 1 / ratio) without the call
                duration = 1.0 / ratio
                if duration <= 0.2:
                    duration = 0.2
            append((offer.base + fit + w_duration * duration + w_fresh * fresh, offer))
        scored.sort(key=_FIRST, reverse=True)
        return scored

    def ranked(
        self, rank_: int, total: float, penalty: float, offer: Offer, minutes: float
    ) -> RankedResource:
        """The RankedResource with the parts of its score (only built for
        chosen resources)."""
        parts, _, flags = self._fit[offer.fit_key] or self._fit_of(offer)
        # The duration fit: 1.0 when the resource takes a quarter to all of
        # the step's time, 0.4 at nothing, falling as 1 / ratio above it.
        # Divided here, as the breakdown always was; the scoring loop's copy
        # multiplies by the step's reciprocal, and each keeps its own floats.
        ratio = offer.minutes / minutes
        if ratio < 0.25:
            duration = 0.4 + 2.4 * ratio
        elif ratio <= 1.0:
            duration = 1.0
        else:
            duration = max(0.2, 1.0 / ratio)
        # Built as its tuple: the named tuple's generated ``__new__`` is a
        # Python function that doubles the cost, on every resource attached.
        return _new_tuple(
            RankedResource,
            (
                offer.slug,
                rank_,
                parts,
                duration,
                offer.quality + FRESHNESS_SHARE * self._fresh[offer.fresh_key],
                offer.coverage,
                penalty,
                total - penalty,
                flags,
            ),
        )

    def _profile_fit(self, language, difficulty, fmt, cost, ages) -> tuple:
        """((language, level, format, cost, age parts), their weighted sum, flags)."""
        if language == self.language:
            lang = 1.0
        else:
            lang = LANGUAGE_FALLBACK_FIT.get(language, 0.3)
        level = LEVEL_FIT[LEVEL_RANK[difficulty] - self.level]
        if fmt in self.disliked:
            fmt_fit = FORMAT_DISLIKED
        else:
            fmt_fit = FORMAT_LIKED if fmt in self.liked else FORMAT_NEUTRAL
        cost_fit, age = self.cost_fit[cost], self._age_fit(ages)
        weighted = (
            WEIGHTS["language"] * lang
            + WEIGHTS["level"] * level
            + WEIGHTS["format"] * fmt_fit
            + WEIGHTS["cost"] * cost_fit
            + WEIGHTS["age"] * age
        )
        flags = []
        if language != self.language:
            flags.append(LANGUAGE_FALLBACK)
        if self.free_only and cost == Cost.PAID:
            flags.append(COST_FALLBACK)
        if fmt in self.disliked:
            flags.append("disliked_format")
        return (lang, level, fmt_fit, cost_fit, age), weighted, tuple(flags)

    def _age_fit(self, ages: tuple[str, ...]) -> float:
        if self.age is None or self.age in ages:
            return 1.0
        if not ages:
            return 1.0 if self.age == AgeRange.ADULT else 0.7
        return 0.6


#: How many days' freshness scores a snapshot keeps (the oldest goes first).
FRESHNESS_DAYS_KEPT = 2


def _freshness_table(graph: CatalogGraph, today: date) -> tuple[float, ...]:
    """The freshness score of each of the snapshot's freshness dates on
    ``today``: computed once a day and shared by every plan of the day (a
    worker's plans would otherwise score the same few thousand dates each)."""
    key = ("freshness", today.toordinal())
    table = graph.memo.get(key)
    if table is None:
        days = [k for k in list(graph.memo) if k[0] == "freshness"]
        for old in days[: max(0, len(days) - FRESHNESS_DAYS_KEPT + 1)]:
            graph.memo.pop(old, None)
        origin = today.toordinal()
        table = graph.memo[key] = tuple(
            _freshness(when, origin) for when in graph.freshness_dates
        )
    return table


def _freshness(when: date | None, today: int) -> float:
    if when is None:
        return 0.5
    days = today - when.toordinal()
    if days <= FRESH_DAYS:
        return 1.0
    if days >= STALE_DAYS:
        return 0.2
    return 1.0 - 0.8 * (days - FRESH_DAYS) / (STALE_DAYS - FRESH_DAYS)
