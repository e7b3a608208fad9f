"""Benchmark of the planner's pure core on synthetic catalogs (plain timers).

    .venv/bin/python bench/planner_domain.py [--topics 10000] [--runs 60]

Prints the snapshot build time, then p50/p95 per stage (wall clock, ms) with
a warm snapshot for: typical tracks (closures of a few hundred topics), a
plan whose closure is the whole catalog, and the same tracks on catalogs of
several sizes (planning cost follows the subgraph, not the catalog). CPU time
is printed beside wall time: on a shared machine it is the steadier figure.

Then the same on a hub-shaped catalog (``--hub-topics``, 0 skips it: hubs
with many subtopics, optional prerequisites, choice groups, topics without
resources) for beginner, intermediate and advanced learners, where placement
(level and three bisecting questions, treated as skipped) shrinks the plans;
the target there is on planning (uncertainty + plan stages).
"""

from __future__ import annotations

import argparse
import gc
import math
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure  # noqa: E402
from planner.domain import CatalogGraph, run_pipeline  # noqa: E402
from planner.domain.planning import required_closure  # noqa: E402
from planner.domain.synthetic import hub_catalog, synthetic_catalog  # noqa: E402

TODAY = date(2026, 1, 5)
TOPICS_PER_SUBJECT = 500
STAGES = ("normalize", "uncertainty", "plan", "rank", "validate")
CORE = ("plan", "rank", "validate")
TARGETS_MS = {"typical": 10.0, "whole catalog": 300.0, "hub planning": 20.0}
LEVELS = ("beginner", "intermediate", "advanced")
LANGUAGES = ("en", "en", "es", "fr")
COSTS = ("any", "free only")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def build(topics: int, per_topic: int, seed: int) -> tuple[CatalogGraph, float, float]:
    """The snapshot, the generation time and the build time (seconds)."""
    started = time.perf_counter()
    catalog = synthetic_catalog(
        topics=topics,
        resources_per_topic=per_topic,
        subjects=max(1, topics // TOPICS_PER_SUBJECT),
        seed=seed,
    )
    generated = time.perf_counter()
    graph = catalog.graph()
    built = time.perf_counter()
    # What a worker should do after loading a snapshot: move it out of the
    # collector's way, so collections stop walking a hundred thousand nodes.
    gc.collect()
    gc.freeze()
    return graph, generated - started, built - generated


def profiles(graph: CatalogGraph, tracks: list[str], runs: int) -> list[dict]:
    out = []
    for i in range(runs):
        track = graph.tracks[tracks[i % len(tracks)]]
        out.append(
            {
                "subject": track.subject,
                "level": LEVELS[i % 3],
                "goals": track.slug,
                "weekly_hours": (3, 5, 10, 20)[i % 4],
                "language": LANGUAGES[i % 4],
                "cost": COSTS[i % 2],
            }
        )
    return out


def measure(graph: CatalogGraph, raws: list[dict]) -> dict:
    """Per-stage wall ms, core CPU ms and sizes over the runs (after one warm-up)."""
    run_pipeline(raws[0], graph, today=TODAY, assume_unanswered=True)
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    core_wall, core_cpu, steps = [], [], []
    for raw in raws:
        cpu = {}

        def on_stage(stage: str, _percent: int, cpu=cpu) -> None:
            cpu[stage] = time.process_time()

        cpu_start = time.process_time()
        result = run_pipeline(
            raw, graph, today=TODAY, assume_unanswered=True, on_stage=on_stage
        )
        cpu_end = time.process_time()
        timings = result.timings_ms()
        for stage in STAGES:
            stages[stage].append(timings[stage])
        core_wall.append(sum(timings[s] for s in CORE))
        core_cpu.append((cpu_end - cpu.get("plan", cpu_start)) * 1000)
        steps.append(len(result.plan.steps))
        # A worker lets go of a job's plan when the job ends; kept here until
        # the next plan replaced it, a whole-catalog plan's 50k records were
        # walked by every full collection of the next one.
        del result
    return {"stages": stages, "wall": core_wall, "cpu": core_cpu, "steps": steps}


def report(title: str, figures: dict, target: float | None = None) -> None:
    steps = figures["steps"]
    print(f"\n{title}: {len(steps)} runs, {min(steps)}-{max(steps)} steps")
    print(f"  {'stage':<22}{'p50 ms':>10}{'p95 ms':>10}")
    for stage, values in figures["stages"].items():
        print(
            f"  {stage:<22}{percentile(values, 0.5):>10.2f}{percentile(values, 0.95):>10.2f}"
        )
    for label, key in (("plan+rank+validate", "wall"), ("  same, CPU time", "cpu")):
        p50, p95 = percentile(figures[key], 0.5), percentile(figures[key], 0.95)
        print(f"  {label:<22}{p50:>10.2f}{p95:>10.2f}")
    figure(
        "planner_domain",
        f"{title}, plan+rank+validate",
        samples=figures["wall"],
        target=None if target is None else f"p95 <= {target:g} ms",
    )
    figure("planner_domain", f"{title}, same, CPU time", samples=figures["cpu"])
    if target is not None:
        p95 = percentile(figures["wall"], 0.95)
        verdict = "within" if p95 <= target else "OVER"
        print(f"  target p95 < {target:g} ms (wall): {verdict}")


def typical_tracks(graph: CatalogGraph, low: int = 150, high: int = 600) -> list[str]:
    sizes = {
        slug: len(required_closure(graph, track.targets, frozenset()))
        for slug, track in graph.tracks.items()
        if slug != "everything"
    }
    return sorted(slug for slug, size in sizes.items() if low <= size <= high)


def hub(topics: int, per_topic: int, runs: int, seed: int) -> None:
    """Typical tracks of a hub-shaped catalog, per level: plan sizes and times."""
    started = time.perf_counter()
    catalog = hub_catalog(
        topics=topics,
        subjects=max(1, topics // TOPICS_PER_SUBJECT),
        resources_per_topic=per_topic,
        seed=seed,
    )
    graph = catalog.graph()
    gc.collect()
    gc.freeze()
    print(
        f"\nhub-shaped catalog: {len(graph.topics)} topics, {len(graph.resources)} "
        f"resources, {len(graph.groups)} choice groups, "
        f"{sum(1 for t in graph.topics if not graph.resources_by_topic.get(t))} "
        f"topics without resources; generated and built in "
        f"{time.perf_counter() - started:.1f} s"
    )
    tracks = typical_tracks(graph, 40, 600)
    print(f"typical tracks: {len(tracks)}")
    print(
        f"  {'level':<14}{'steps p50':>10}{'hours p50':>10}{'uncert. p95':>12}"
        f"{'plan p95':>10}{'planning p50':>14}{'p95':>8}{'core p50':>10}{'p95':>8}"
    )
    planning_all: list[float] = []
    planning_cpu: list[float] = []
    for level in LEVELS:
        raws = [{**r, "level": level} for r in profiles(graph, tracks, runs)]
        run_pipeline(raws[0], graph, today=TODAY, assume_unanswered=True)
        planning, core, steps, hours, asks, plans = [], [], [], [], [], []
        for raw in raws:
            cpu: dict[str, float] = {}

            def on_stage(stage: str, _percent: int, cpu=cpu) -> None:
                cpu[stage] = time.process_time()

            result = run_pipeline(
                raw, graph, today=TODAY, assume_unanswered=True, on_stage=on_stage
            )
            planning_cpu.append((cpu["rank"] - cpu["uncertainty"]) * 1000)
            timings = result.timings_ms()
            asks.append(timings["uncertainty"])
            plans.append(timings["plan"])
            planning.append(timings["uncertainty"] + timings["plan"])
            core.append(sum(timings[s] for s in CORE))
            steps.append(len(result.plan.steps))
            hours.append(result.plan.total_hours)
            del result  # as a worker does when the job ends (see measure)
        planning_all += planning
        print(
            f"  {level:<14}{percentile(steps, 0.5):>10.0f}{percentile(hours, 0.5):>10.0f}"
            f"{percentile(asks, 0.95):>12.2f}{percentile(plans, 0.95):>10.2f}"
            f"{percentile(planning, 0.5):>14.2f}{percentile(planning, 0.95):>8.2f}"
            f"{percentile(core, 0.5):>10.2f}{percentile(core, 0.95):>8.2f}"
        )
    figure(
        "planner_domain",
        "hub catalog, planning (uncertainty+plan), all levels",
        samples=planning_all,
        target=f"p95 <= {TARGETS_MS['hub planning']:g} ms",
    )
    p95 = percentile(planning_all, 0.95)
    target = TARGETS_MS["hub planning"]
    verdict = "within" if p95 <= target else "OVER"
    print(
        f"  planning p95 over all levels {p95:.2f} ms; target < {target:g} ms: {verdict}"
    )
    print(
        f"  same, CPU time: p50 {percentile(planning_cpu, 0.5):.2f} ms, "
        f"p95 {percentile(planning_cpu, 0.95):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--resources-per-topic", type=int, default=10)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--full-runs", type=int, default=12)
    parser.add_argument("--scaling", default="1000,10000,50000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hub-topics", type=int, default=10_000)
    args = parser.parse_args()

    graph, gen_s, build_s = build(args.topics, args.resources_per_topic, args.seed)
    print(
        f"catalog: {len(graph.topics)} topics, {len(graph.resources)} resources, "
        f"{sum(len(v) for v in graph.requires.values())} prerequisites, "
        f"{len(graph.tracks)} tracks"
    )
    print(f"synthetic data generated in {gen_s * 1000:.0f} ms")
    print(f"CatalogGraph.build in {build_s * 1000:.0f} ms")

    tracks = typical_tracks(graph)
    sizes = [
        len(required_closure(graph, graph.tracks[t].targets, frozenset()))
        for t in tracks
    ]
    print(f"typical tracks: {len(tracks)}, required closures {min(sizes)}-{max(sizes)}")
    report(
        "typical track",
        measure(graph, profiles(graph, tracks, args.runs)),
        TARGETS_MS["typical"],
    )
    everything = [{**p, "goals": "everything", "subject": "subject-0"}
                  for p in profiles(graph, tracks, args.full_runs)]  # fmt: skip
    report("whole catalog", measure(graph, everything), TARGETS_MS["whole catalog"])

    print("\nscaling: the same kind of track on catalogs of several sizes")
    print(
        f"  {'topics':>8}{'build ms':>10}{'steps':>8}{'core p50':>10}{'core p95':>10}"
    )
    for size in (int(s) for s in args.scaling.split(",") if s):
        small, _, small_build = build(size, args.resources_per_topic, args.seed)
        chosen = [t for t in typical_tracks(small) if t.startswith("subject-0-")]
        figures = measure(small, profiles(small, chosen or typical_tracks(small), 30))
        figure(
            "planner_domain",
            f"same kind of track on {size:,} topics, plan+rank+validate",
            samples=figures["wall"],
        )
        print(
            f"  {size:>8}{small_build * 1000:>10.0f}"
            f"{int(percentile(figures['steps'], 0.5)):>8}"
            f"{percentile(figures['wall'], 0.5):>10.2f}"
            f"{percentile(figures['wall'], 0.95):>10.2f}"
        )
        del small
    if args.hub_topics:
        hub(args.hub_topics, args.resources_per_topic, args.runs, args.seed)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS): {peak:.0f} MiB")
    figure(
        "planner_domain",
        "peak memory of the benchmark (max RSS)",
        value=peak,
        unit="MiB",
    )


if __name__ == "__main__":
    main()
