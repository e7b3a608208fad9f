"""A large, valid, random catalog for benchmarks and scale tests.

The prerequisite graph is built layer by layer: a topic only ever requires
topics of earlier layers, so it is acyclic by construction. Every topic past
the first layer requires one of the layer just before it, which makes the
depth equal to the number of layers (at least 8 from 200 topics). Further
prerequisites are drawn by preferential attachment (a topic is picked in
proportion to one plus its dependents so far), mostly within the subject; a
few foundational topics get a head start, so they become hubs with many
dependents while most topics have one to three prerequisites. Vocabularies are
drawn with a realistic skew (mostly English, free, beginner and intermediate
material, ...).

Choice groups ("pick one of") gather alternative topics of one subject from
one layer, so no member requires another; topics of later layers require the
group (now and then only recommend it) and some tracks aim at one. A share
of topics can be left without any resource (``without_resources``). Groups and
bare topics draw from their own random stream, so the rest of the catalog is
the same bytes whether or not they are there.

The document comes out in canonical form, exactly as ``catalog_export()``
would write the same catalog back: same seed, same bytes.
"""

from __future__ import annotations

import bisect
import math
import random
from datetime import date, timedelta
from itertools import accumulate, groupby
from typing import Any

from taxonomy.enums import AgeRange

from .transfer.issues import FORMAT, VERSION

_SUBJECTS = (
    "Python",
    "Algebra",
    "Web development",
    "Statistics",
    "Chemistry",
    "Spanish",
    "Music theory",
    "Databases",
    "Physics",
    "Drawing",
    "Economics",
    "Biology",
    "Machine learning",
    "Writing",
    "Geometry",
    "Photography",
)
_CONCEPTS = (
    "Foundations",
    "Variables",
    "Functions",
    "Patterns",
    "Structures",
    "Analysis",
    "Models",
    "Practice",
    "Systems",
    "Methods",
    "Proofs",
    "Design",
    "Tools",
    "Testing",
    "Theory",
    "Applications",
)
_VERBS = ("Explain", "Apply", "Compare", "Build", "Identify", "Solve", "Describe")
_TAGS = (
    "core",
    "hands-on",
    "theory",
    "visual",
    "math",
    "reading",
    "exam",
    "project",
    "quick",
    "deep-dive",
)
_LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "pl", "ru", "uk", "tr", "ar")
_LANGUAGE_WEIGHTS = (70, 8, 5, 4, 3, 2, 2, 1.5, 1.5, 1, 1, 1)
_FORMATS = {  # format: (weight, shortest, longest duration in minutes)
    "video": (25, 3, 90),
    "article": (25, 5, 40),
    "documentation": (10, 5, 60),
    "course": (10, 120, 3000),
    "interactive": (8, 15, 120),
    "exercise": (8, 10, 90),
    "book": (5, 300, 1800),
    "project": (5, 60, 900),
    "podcast": (4, 20, 90),
}
_LEVELS = ("beginner", "intermediate", "advanced")
_HOURS = (0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 20)
_HOUR_WEIGHTS = (4, 12, 10, 18, 18, 14, 10, 7, 4, 3)
_FRESHNESS_START = date(2015, 1, 1)
_HUB_SHARE, _HUB_WEIGHT = 0.03, 25
_TOPICS_PER_GROUP = 40  # about one choice group per this many topics of a subject
_COUNT_WORDS = {1: "one", 2: "two"}
_GROUP_SEED = 0x9E3779B9  # mixed into the seed: groups draw from their own stream


def catalog_synthesize(
    *,
    topics: int,
    resources: int,
    seed: int,
    subjects: int | None = None,
    choice_groups: bool = True,
    without_resources: float = 0.0,
) -> dict[str, Any]:
    """A valid catalog document with ``topics`` topics and ``resources`` resources.

    Deterministic for a ``seed``. ``subjects`` defaults to about sqrt(topics)/5.
    With ``choice_groups`` a subject gets about one choice group per 40 of its
    topics (see the module's docstring). ``without_resources`` (0 to 1) is the
    share of topics no resource covers; when ``resources >= 2 * topics`` every
    other topic is covered by two or more resources. Raises ValueError for
    sizes that cannot make a catalog.
    """
    if topics < 1 or resources < 0:
        raise ValueError("a catalog needs one topic or more and no negative resources")
    if not 0 <= without_resources < 1:
        raise ValueError("the share of topics without resources must be in [0, 1)")
    subject_count = min(topics, subjects or max(1, round(math.sqrt(topics) / 5)))
    if subject_count < 1:
        raise ValueError("a catalog needs one subject or more")
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    builder = _Builder(rng, topics, subject_count)
    builder.build_topics()
    extras = random.Random(seed ^ _GROUP_SEED)  # noqa: S311 - as above
    if choice_groups:
        builder.build_groups(extras)
    builder.build_tracks()
    if choice_groups:
        builder.aim_tracks_at_groups(extras)
    builder.leave_bare(extras, without_resources)
    builder.build_resources(resources)
    return builder.document()


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


class _Builder:
    def __init__(self, rng: random.Random, topics: int, subjects: int) -> None:
        self.rng = rng
        self.n = topics
        self.width = len(str(topics - 1))
        self.layers = (
            topics if topics < 8 else min(topics, max(8, round(3 * math.log2(topics))))
        )
        weights = [1 / (rank + 1) ** 0.8 for rank in range(subjects)]
        self.subjects = [self._subject(j) for j in range(subjects)]
        # The first topics seed every subject; the rest follow a skewed share.
        self.topic_subject = list(range(min(subjects, topics)))
        self.topic_subject += rng.choices(
            range(subjects),
            cum_weights=list(accumulate(weights)),
            k=topics - len(self.topic_subject),
        )
        self.topic_layer = [i * self.layers // topics for i in range(topics)]
        self.topic_slug = [
            f"{self.subjects[s]['slug']}-{i:0{self.width}d}"
            for i, s in enumerate(self.topic_subject)
        ]
        self.requires: list[dict[int, str]] = [{} for _ in range(topics)]
        self.groups: list[dict[str, Any]] = []
        self.group_subject: list[int] = []
        self.bare: set[int] = set()  # topics no resource covers
        self.pool: list[int] = []  # a topic once, plus once per dependent
        self.topics: list[dict[str, Any]] = []
        self.tracks: list[dict[str, Any]] = []
        self.resources: list[dict[str, Any]] = []
        self.providers: list[dict[str, Any]] = []

    def _subject(self, j: int) -> dict[str, Any]:
        base = _SUBJECTS[j % len(_SUBJECTS)]
        name = base if j < len(_SUBJECTS) else f"{base} {j // len(_SUBJECTS) + 1}"
        others = self.rng.sample(_LANGUAGES[1:], k=self.rng.choice((0, 0, 1, 2)))
        return {
            "slug": f"s{j:02d}-{base.lower().replace(' ', '-')}",
            "name": name,
            "description": f"Synthetic subject {j}: {base.lower()} from the first steps on.",
            "languages": sorted({"en", *others}),
        }

    # -- topics and the DAG --------------------------------------------------

    def build_topics(self) -> None:
        pools: dict[int, list[int]] = {}  # per subject, like self.pool
        previous: list[int] = []
        for _, layer in groupby(range(self.n), key=self.topic_layer.__getitem__):
            members = list(layer)
            for topic in members if previous else ():
                self._pick_prerequisites(topic, previous, pools)
            # Only now may later layers require this one: acyclic by construction.
            # A few topics are foundations: they start with many entries.
            for topic in members:
                entries = [topic] * (
                    _HUB_WEIGHT if self.rng.random() < _HUB_SHARE else 1
                )
                pools.setdefault(self.topic_subject[topic], []).extend(entries)
                self.pool.extend(entries)
            previous = members
        self.topics = [self._topic(i) for i in range(self.n)]

    def _pick_prerequisites(
        self, topic: int, previous: list[int], pools: dict[int, list[int]]
    ) -> None:
        rng, subject = self.rng, self.topic_subject[topic]
        same = [t for t in previous if self.topic_subject[t] == subject]
        chosen = {rng.choice(same if same and rng.random() < 0.9 else previous)}
        wanted = rng.choices((1, 2, 3, 4, 6, 9), weights=(42, 30, 16, 7, 3, 2))[0]
        own = pools.get(subject, [])
        for _ in range(wanted * 3):
            if len(chosen) >= wanted:
                break
            pool = own if own and rng.random() < 0.85 else self.pool
            chosen.add(rng.choice(pool))
        for required in chosen:
            kind = "required" if rng.random() < 0.8 else "recommended"
            self.requires[topic][required] = kind
            self.pool.append(required)
            pools.setdefault(self.topic_subject[required], []).append(required)

    def _topic(self, i: int) -> dict[str, Any]:
        rng = self.rng
        depth = self.topic_layer[i] / max(1, self.layers - 1)
        level = 0 if depth < 0.35 else 1 if depth < 0.7 else 2
        if rng.random() < 0.15:
            level = min(2, max(0, level + rng.choice((-1, 1))))
        name = f"{rng.choice(_CONCEPTS)} {i}"
        return {
            "slug": self.topic_slug[i],
            "subject": self.subjects[self.topic_subject[i]]["slug"],
            "position": i + 1,
            "name": name,
            "summary": f"What {name.lower()} means and where it is used.",
            "level": _LEVELS[level],
            "estimated_hours": _number(rng.choices(_HOURS, weights=_HOUR_WEIGHTS)[0]),
            "objectives": [
                f"{verb} {name.lower()}"
                for verb in rng.sample(_VERBS, k=rng.choice((1, 2, 2, 3, 4)))
            ],
            "mastery_check": {
                "kind": rng.choices(
                    ("quiz", "exercise", "project", "self_assessment"),
                    weights=(40, 35, 15, 10),
                )[0],
                "description": f"Show you can work with {name.lower()}.",
            },
            "tags": sorted(rng.sample(_TAGS, k=rng.choice((0, 1, 1, 2, 3)))),
            "prerequisites": sorted(
                (
                    {"topic": self.topic_slug[t], "kind": kind}
                    for t, kind in self.requires[i].items()
                ),
                key=lambda p: p["topic"],
            ),
            "group_prerequisites": [],
        }

    # -- choice groups -------------------------------------------------------

    def build_groups(self, rng: random.Random) -> None:
        """Groups of three to five topics of one layer of a subject; topics of
        later layers of the subject require (or recommend) the group."""
        cells: dict[tuple[int, int], list[int]] = {}
        for i, subject in enumerate(self.topic_subject):
            cells.setdefault((subject, self.topic_layer[i]), []).append(i)
        for subject, spec in enumerate(self.subjects):
            own = [i for i, s in enumerate(self.topic_subject) if s == subject]
            layers = [
                layer
                for layer in range(1, self.layers - 1)
                if len(cells.get((subject, layer), ())) >= 3
            ]
            wanted = min(len(layers), len(own) // _TOPICS_PER_GROUP)
            for k, layer in enumerate(sorted(rng.sample(layers, k=wanted))):
                self._group(rng, subject, spec, k, cells[(subject, layer)], own)

    def _group(
        self,
        rng: random.Random,
        subject: int,
        spec: dict[str, Any],
        k: int,
        cell: list[int],
        own: list[int],
    ) -> None:
        members = sorted(rng.sample(cell, k=min(len(cell), rng.choice((3, 4, 4, 5)))))
        layer = self.topic_layer[members[0]]
        slug = f"{spec['slug']}-pick-{k + 1}"
        at_least = 2 if len(members) >= 4 and rng.random() < 0.15 else 1
        names = ", ".join(self.topics[m]["name"] for m in members)
        self.groups.append(
            {
                "slug": slug,
                "subject": spec["slug"],
                "name": f"{spec['name']}: {_COUNT_WORDS[at_least]} of layer {layer}",
                "description": f"Alternatives, any {at_least} will do: {names}.",
                "min_choices": at_least,
                "default": self.topic_slug[rng.choice(members)]
                if rng.random() < 0.5
                else None,
                "members": [self.topic_slug[m] for m in members],
            }
        )
        self.group_subject.append(subject)
        later = [t for t in own if self.topic_layer[t] > layer]
        for dependent in rng.sample(later, k=min(len(later), rng.choice((1, 2, 3)))):
            kind = "required" if rng.random() < 0.85 else "recommended"
            self.topics[dependent]["group_prerequisites"].append(
                {"group": slug, "kind": kind}
            )
            self.topics[dependent]["group_prerequisites"].sort(key=lambda g: g["group"])

    def aim_tracks_at_groups(self, rng: random.Random) -> None:
        """About one track in five also aims at a group of its subject."""
        by_subject: dict[str, list[str]] = {}
        for group, subject in zip(self.groups, self.group_subject, strict=True):
            by_subject.setdefault(self.subjects[subject]["slug"], []).append(
                group["slug"]
            )
        for track in self.tracks:
            groups = by_subject.get(track["subject"], [])
            if groups and rng.random() < 0.2:
                track["target_groups"] = [rng.choice(groups)]

    def leave_bare(self, rng: random.Random, share: float) -> None:
        """Choose the topics no resource will cover (``share`` of them)."""
        if share > 0:
            self.bare = {i for i in range(self.n) if rng.random() < share}

    # -- tracks ----------------------------------------------------------------

    def build_tracks(self) -> None:
        by_subject: dict[int, list[int]] = {}
        for i, subject in enumerate(self.topic_subject):
            by_subject.setdefault(subject, []).append(i)
        for subject, members in sorted(by_subject.items()):
            deep = sorted(members, key=lambda t: -self.topic_layer[t])[
                : max(1, len(members) * 3 // 10)
            ]
            for k in range(1 + min(4, len(members) // 100)):
                targets = self.rng.sample(
                    deep, k=min(len(deep), self.rng.choice((1, 1, 2, 3)))
                )
                slug = f"{self.subjects[subject]['slug']}-track-{k + 1}"
                self.tracks.append(
                    {
                        "slug": slug,
                        "subject": self.subjects[subject]["slug"],
                        "name": f"{self.subjects[subject]['name']}: path {k + 1}",
                        "description": "A synthetic goal track.",
                        "goal_kind": self.rng.choices(
                            ("skill", "career", "exam", "project", "curiosity"),
                            weights=(50, 25, 10, 10, 5),
                        )[0],
                        "targets": sorted(self.topic_slug[t] for t in targets),
                        "target_groups": [],
                    }
                )

    # -- providers and resources -----------------------------------------------

    def build_resources(self, count: int) -> None:
        rng = self.rng
        provider_count = max(3, min(300, count // 300 + 3))
        self.providers = [
            {
                "slug": f"provider-{p:03d}",
                "name": f"Provider {p}",
                "url": f"https://provider-{p:03d}.example.org/",
                "trust_score": _number(round(rng.uniform(0.4, 0.99), 2)),
            }
            for p in range(provider_count)
        ]
        provider_weights = list(
            accumulate(1 / (p + 1) ** 1.1 for p in range(provider_count))
        )
        formats = list(_FORMATS)
        format_weights = list(accumulate(w for w, _, _ in _FORMATS.values()))
        width = len(str(max(0, count - 1)))
        # Round-robin first (every topic covered, twice when there are enough
        # resources), then in proportion to 1 + dependents: popular topics get more.
        covered = [i for i in range(self.n) if i not in self.bare] or [0]
        spread = len(covered)
        rounds = min(2, count // spread) if count >= spread else 0
        for r in range(count):
            if r < rounds * spread or rounds == 0:
                topic = covered[r % spread]
            else:
                topic = rng.choice(self.pool)
                if topic in self.bare:
                    topic = covered[bisect.bisect_left(covered, topic) % spread]
            provider = rng.choices(range(provider_count), cum_weights=provider_weights)[
                0
            ]
            fmt = rng.choices(formats, cum_weights=format_weights)[0]
            self.resources.append(self._resource(r, width, topic, provider, fmt))

    def _resource(
        self, r: int, width: int, topic: int, provider: int, fmt: str
    ) -> dict[str, Any]:
        rng = self.rng
        _, shortest, longest = _FORMATS[fmt]
        url = f"{self.providers[provider]['url']}r/{r}"
        covered = {topic: _number(rng.choice((1, 1, 1, 0.9, 0.8, 0.75, 0.6, 0.5)))}
        for extra in list(self.requires[topic])[
            : rng.choices((0, 1, 2), weights=(75, 18, 7))[0]
        ]:
            coverage = rng.choice((0.2, 0.25, 0.3, 0.4, 0.5))
            if extra not in self.bare:
                covered[extra] = coverage
        level = _LEVELS.index(self.topics[topic]["level"])
        if rng.random() < 0.2:
            level = min(2, max(0, level + rng.choice((-1, 1))))
        extra_links = rng.choices((0, 1, 2), weights=(72, 23, 5))[0]
        kinds = rng.sample(
            ("mirror", "transcript", "exercise", "download"), k=extra_links
        )
        fresh = rng.random() < 0.85
        return {
            "slug": f"resource-{r:0{width}d}",
            "title": f"{fmt.capitalize()}: {self.topics[topic]['name']}",
            "description": f"A synthetic {fmt} resource.",
            "url": url,
            "provider": self.providers[provider]["slug"],
            "format": fmt,
            "language": rng.choices(_LANGUAGES, weights=_LANGUAGE_WEIGHTS)[0],
            "duration_minutes": int(shortest * (longest / shortest) ** rng.random()),
            "difficulty": _LEVELS[level],
            "cost": rng.choices(("free", "freemium", "paid"), weights=(65, 20, 15))[0],
            "age_ranges": list(
                rng.choice(
                    (
                        (AgeRange.TEEN.value, AgeRange.ADULT.value),
                        (AgeRange.ADULT.value,),
                        (),
                    )
                )
            ),
            "topics": [
                {"topic": self.topic_slug[t], "coverage": c}
                for t, c in sorted(
                    covered.items(), key=lambda tc: self.topic_slug[tc[0]]
                )
            ],
            "tags": sorted(rng.sample(_TAGS, k=rng.choice((0, 0, 1, 2)))),
            "links": sorted(
                ({"url": f"{url}/{kind}", "kind": kind} for kind in kinds),
                key=lambda link: link["url"],
            ),
            "quality": {
                "curator_rating": rng.choices(
                    (1, 2, 3, 4, 5), weights=(3, 7, 30, 40, 20)
                )[0],
                "freshness": (
                    (_FRESHNESS_START + timedelta(days=rng.randrange(4018))).isoformat()
                    if fresh
                    else None
                ),
                "feedback_up": min(100_000, int(rng.paretovariate(1.2)) - 1),
                "feedback_down": min(100_000, int(rng.paretovariate(2.0)) - 1),
            },
        }

    def document(self) -> dict[str, Any]:
        def by_slug(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return sorted(records, key=lambda record: record["slug"])

        return {
            "format": FORMAT,
            "version": VERSION,
            "providers": by_slug(self.providers),
            "subjects": by_slug(self.subjects),
            "topics": by_slug(self.topics),
            "choice_groups": by_slug(self.groups),
            "tracks": by_slug(self.tracks),
            "resources": by_slug(self.resources),
        }
