"""The planner on PostgreSQL: the snapshot build, then jobs with a warm snapshot.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wf_planner_bench \\
        .venv/bin/python bench/planner_db.py [--runs 60] [--builds 3]

Reads the catalog of the database in DATABASE_URL; when it holds no topics, a
synthetic catalog (``--topics``/``--resources``, ``--seed``) is imported first.
Prints the snapshot build (database read plus ``CatalogGraph.build``, cold, in
the process), the pickled size and the time to load it back from the Django
cache, then p50/p95 per stage of ``job_execute`` for typical tracks (required
closures of 150-600 topics) with a warm snapshot, and peak memory. Profiles,
jobs and roadmaps are committed as a worker commits them (the whole job's
figure includes the commits), then deleted at the end: the database is
left as it was.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wayfinder.settings.dev")
# As production runs: without DEBUG and its per-query log.
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from bench.common import figure  # noqa: E402
from catalog.synthetic import catalog_synthesize  # noqa: E402
from catalog.transfer import catalog_import  # noqa: E402
from planner import selectors  # noqa: E402
from planner.domain.planning import required_closure  # noqa: E402
from planner.models import PlanningJob  # noqa: E402
from planner.services import job_enqueue, job_execute, profile_submit  # noqa: E402
from roadmaps.models import Roadmap  # noqa: E402
from taxonomy.models import Topic  # noqa: E402

TODAY = date(2026, 1, 5)
STAGES = (
    "snapshot",
    "normalize",
    "uncertainty",
    "plan",
    "rank",
    "validate",
    "store",
)
LEVELS = ("beginner", "intermediate", "advanced")
LANGUAGES = ("en", "en", "es", "fr")
COSTS = ("any", "free only")
BUILD_TARGET_S = 5.0
STORE_TARGET = "p95 <= 50 ms"
JOB_TARGET = "p95 <= 100 ms"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def ensure_catalog(topics: int, resources: int, seed: int) -> None:
    if Topic.objects.exists():
        return
    print(
        f"empty catalog: importing a synthetic one ({topics} topics, {resources} resources)"
    )
    started = time.perf_counter()
    # Without choice groups: the catalog bench/catalog_transfer.py leaves.
    document = catalog_synthesize(
        topics=topics, resources=resources, seed=seed, choice_groups=False
    )
    catalog_import(data=document)
    print(f"  imported in {time.perf_counter() - started:.1f} s")


def statistics_refresh() -> None:
    """Vacuum and analyze the database as autovacuum would in production (it
    is off on the benchmark machine). A freshly imported catalog without
    statistics made PostgreSQL scan all 100k resources for the roadmap's
    ranked ones (46-118 ms instead of 12-55 under load, 2026-12-06); and
    the roadmaps earlier runs stored and deleted stay as dead rows in the
    step tables' heaps and indexes until a vacuum (176k dead steps, 107 MB,
    after a few runs: store p95 70 -> 63 ms once vacuumed, 2026-12-07)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure_builds(builds: int) -> None:
    settings.PLANNER_GRAPH_CACHE = False
    times = []
    for _ in range(builds):
        selectors.catalog_graph_forget()
        started = time.perf_counter()
        selectors.catalog_graph_get()
        times.append(time.perf_counter() - started)
    graph = selectors.catalog_graph_get()
    print(
        f"catalog v{graph.version}: {len(graph.topics)} topics, "
        f"{len(graph.resources)} resources, {len(graph.tracks)} tracks "
        f"({connection.vendor}, {connection.settings_dict['NAME']})"
    )
    verdict = "within" if max(times) < BUILD_TARGET_S else "OVER"
    print(
        f"snapshot build from the database (read + CatalogGraph.build), {builds} cold "
        f"builds: min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
        f"(target < {BUILD_TARGET_S:g} s: {verdict})"
    )
    started = time.perf_counter()
    data = selectors.graph_dumps(graph)
    dumped = time.perf_counter()
    selectors.graph_loads(data)
    loaded = time.perf_counter()
    print(
        f"pickled for the Django cache: {len(data) / 2**20:.1f} MiB compressed, "
        f"dump {(dumped - started) * 1000:.0f} ms, load {(loaded - dumped) * 1000:.0f} ms"
    )


def closure(graph, targets) -> set[str]:
    """The targets and every prerequisite below them, of both kinds."""
    seen, todo = set(targets), list(targets)
    while todo:
        for slug, _kind in graph.requires.get(todo.pop(), ()):
            if slug not in seen:
                seen.add(slug)
                todo.append(slug)
    return seen


def typical_tracks(graph, low: int = 150, high: int = 600) -> list[str]:
    """Tracks whose plan for a beginner without deadline (required and
    recommended prerequisites) has a few hundred topics."""
    sizes = {
        slug: len(closure(graph, track.targets)) for slug, track in graph.tracks.items()
    }
    chosen = sorted(s for s, n in sizes.items() if low <= n <= high)
    if not chosen:
        print(f"no track with a closure of {low}-{high} topics: using every track")
        chosen = sorted(sizes)
    required = [
        len(required_closure(graph, graph.tracks[s].targets, frozenset()))
        for s in chosen
    ]
    print(
        f"typical tracks: {len(chosen)}, closures of {min(sizes[s] for s in chosen)}-"
        f"{max(sizes[s] for s in chosen)} topics ({min(required)}-{max(required)} required)"
    )
    return chosen


def raw_profile(graph, track: str, i: int) -> dict:
    return {
        "subject": graph.tracks[track].subject,
        "level": LEVELS[i % 3],
        "goals": track,
        "weekly_hours": (3, 5, 10, 20)[i % 4],
        "language": LANGUAGES[i % 4],
        "cost": COSTS[i % 2],
        "start_date": TODAY.isoformat(),
    }


def measure_jobs(runs: int) -> None:
    graph = selectors.catalog_graph_get()  # warm
    tracks = typical_tracks(graph)
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    totals, core, other, steps, resources = [], [], [], [], []
    # A user of this run only: its jobs are new (jobs are unique per owner and
    # inputs), and deleting it afterwards leaves the database as it was.
    user = get_user_model().objects.create(username=f"bench-planner-{os.getpid()}")
    try:
        for i in range(runs + 1):
            raw = raw_profile(graph, tracks[i % len(tracks)], i)
            profile = profile_submit(owner=user, raw=raw, today=TODAY)
            job = job_enqueue(profile=profile, actor=user, enqueue=False)
            started = time.perf_counter()
            job = job_execute(job_id=job.pk, worker_id="bench")
            elapsed = (time.perf_counter() - started) * 1000
            if job.state != "succeeded":
                raise SystemExit(f"job failed: {job.error}")
            if i == 0:
                continue  # warm-up
            for stage in STAGES:
                stages[stage].append(job.timings.get(stage, 0.0))
            core.append(sum(job.timings[s] for s in ("plan", "rank", "validate")))
            totals.append(elapsed)
            other.append(elapsed - sum(job.timings.values()))
            steps.append(job.version.steps.count())
            resources.append(job.version.steps.aggregate(n=Count("resources"))["n"])
    finally:
        jobs_forget(user)
    print(
        f"\njob_execute, warm snapshot, committed: {runs} runs, "
        f"{min(steps)}-{max(steps)} steps, {min(resources)}-{max(resources)} resources"
    )
    print(f"  {'stage':<34}{'p50 ms':>10}{'p95 ms':>10}")
    rows = [
        *stages.items(),
        ("plan+rank+validate", core),
        ("claim, progress writes, commit", other),
        ("job_execute (wall)", totals),
    ]
    for label, values in rows:
        print(
            f"  {label:<34}{percentile(values, 0.5):>10.2f}"
            f"{percentile(values, 0.95):>10.2f}"
        )
    figure(
        "planner_db",
        "store the roadmap (job_execute store step)",
        samples=stages["store"],
        target=STORE_TARGET,
    )
    figure(
        "planner_db",
        "whole job, warm snapshot, committed",
        samples=totals,
        target=JOB_TARGET,
    )


def jobs_forget(user) -> None:
    """Delete what the benchmark's jobs stored, then their user."""
    Roadmap.objects.filter(owner=user).delete()
    PlanningJob.objects.filter(owner=user).delete()
    user.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print(f"note: measuring on {connection.vendor}, not PostgreSQL")
    ensure_catalog(args.topics, args.resources, args.seed)
    statistics_refresh()
    measure_builds(args.builds)
    measure_jobs(args.runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
