"""Write the tables of docs/performance.md from one ``make bench`` results file.

    .venv/bin/python bench/report.py [--results bench/results/latest.json]
                                     [--docs docs/performance.md]

The page holds its tables between markers, and its prose around them::

    <!-- bench:search -->
    (this part is rewritten from the results)
    <!-- /bench -->

``bench:NAME`` takes the figures of section NAME (the first argument of
``bench.common.figure``); ``bench:machine`` takes the machine, the run and the
reference workload; ``bench:scale`` takes the sizing derived from the
figures; ``bench:other`` takes every section no marker names. Only the text
between markers changes: a marker left out is left alone. Without arguments,
a full run's results (``bench/results/latest.json``) go to
docs/performance.md, and a smoke or partial run's (``BENCH_QUICK``,
``BENCH_ONLY``) to ``var/bench/``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DOCS, results_paths  # noqa: E402

MARKER = re.compile(
    r"(<!-- bench:(?P<name>[a-z0-9_-]+) -->\n)(?P<body>.*?)(<!-- /bench -->)", re.S
)
SECONDS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0}
# "p95 <= 30 ms", "<= 30 s", "<= 10 s for 100k resources" (words after the
# unit are shown, not read).
TARGET = re.compile(
    r"^\s*(?:(?P<stat>p50|p95|value)\s*)?(?P<op><=|>=|<|>|≤|≥)\s*"
    r"(?P<number>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>[A-Za-zµ]*)(?:\s.*)?$"
)
# Sizing (bench:scale) reads these figures when the run has them.
JOB_FIGURES = ("whole job", "job_execute")
SNAPSHOT_FIGURE = re.compile(r"^snapshot memory, (?P<topics>[\d,]+) topics$")
WORKER_BASE_FIGURE = "worker base memory, no snapshot"
UTILISATION = 0.5
PLAN_RATES = (60, 600, 3000)


@dataclass(frozen=True)
class Summary:
    """One figure over the runs of a benchmark: its median run and the spread."""

    section: str
    name: str
    unit: str
    target: str | None
    stat: str  # "p95" for samples, "value" for single figures
    p50: float | None
    p95: float | None
    value: float | None
    n: int | None
    low: float
    high: float
    runs: int

    @property
    def key(self) -> float:
        return self.p95 if self.stat == "p95" else self.value


def summarize(records: list[dict]) -> Summary:
    """The median run of one figure (by p95, or by value) and the min-max of
    that statistic across runs. With an even count, the lower median run:
    every figure shown was measured in one run, never averaged."""
    if not records:
        raise ValueError("no runs to summarize")
    stat = "p95" if "p95" in records[0] else "value"
    ordered = sorted(records, key=lambda record: record[stat])
    middle = ordered[(len(ordered) - 1) // 2]
    first = records[0]
    return Summary(
        section=first["section"],
        name=first["name"],
        unit=first.get("unit", "ms"),
        target=next((r["target"] for r in records if r.get("target")), None),
        stat=stat,
        p50=middle.get("p50"),
        p95=middle.get("p95"),
        value=middle.get("value"),
        n=middle.get("n"),
        low=ordered[0][stat],
        high=ordered[-1][stat],
        runs=len(records),
    )


def summaries(results: dict) -> dict[str, list[Summary]]:
    """Every figure of a results file, summarized, grouped by section, in the
    order the benchmarks first recorded them."""
    grouped: dict[tuple[str, str], list[dict]] = {}
    for record in results.get("figures", []):
        grouped.setdefault((record["section"], record["name"]), []).append(record)
    sections: dict[str, list[Summary]] = {}
    for (section, _name), records in grouped.items():
        sections.setdefault(section, []).append(summarize(records))
    return sections


def ratio(summary: Summary, reference_s: float | None) -> float | None:
    """The figure divided by the reference time (time units only)."""
    scale = SECONDS.get(summary.unit)
    if scale is None or not reference_s:
        return None
    return summary.key * scale / reference_s


def verdict(summary: Summary) -> str:
    """``met``, ``missed``, or ``?`` when the target cannot be read."""
    if not summary.target:
        return ""
    match = TARGET.match(summary.target)
    if not match:
        return "?"
    stat = match["stat"] or summary.stat
    measured = {"p50": summary.p50, "p95": summary.p95, "value": summary.value}[stat]
    if measured is None:
        measured = summary.key
    unit = match["unit"] or summary.unit
    if unit != summary.unit:
        if unit not in SECONDS or summary.unit not in SECONDS:
            return "?"
        measured = measured * SECONDS[summary.unit] / SECONDS[unit]
    limit = float(match["number"].replace(",", ""))
    passed = {
        "<=": measured <= limit,
        "≤": measured <= limit,
        "<": measured < limit,
        ">=": measured >= limit,
        "≥": measured >= limit,
        ">": measured > limit,
    }[match["op"]]
    return "met" if passed else "**missed**"


def number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def measure(value: float | None, unit: str) -> str:
    """A number with its unit; counts (a non-time unit, a whole value) plain."""
    if value is None:
        return ""
    if unit not in SECONDS and float(value).is_integer():
        return f"{value:,.0f} {unit}".rstrip()
    return f"{number(value)} {unit}".rstrip()


def figure_table(rows: list[Summary], reference_s: float | None) -> str:
    lines = [
        "| figure | p50 (or value) | p95 | ÷ reference | spread over runs | target | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        first = row.value if row.stat == "value" else row.p50
        share = ratio(row, reference_s)
        spread = f"{number(row.low)}-{measure(row.high, row.unit)} ({row.runs})"
        if row.unit not in SECONDS and row.low == row.high:
            spread = f"{measure(row.low, row.unit)} ({row.runs})"
        cells = [
            row.name + (f" (n={row.n})" if row.n else ""),
            measure(first, row.unit),
            measure(row.p95, row.unit),
            f"{share:.3g}" if share is not None else "",
            spread,
            row.target or "",
            verdict(row),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _seconds(values: list[float]) -> str:
    return ", ".join(number(value) for value in values) + " s" if values else "-"


def _duration(results: dict) -> str:
    total = results.get("total_s")
    if total is None:
        return "-"
    each = ", ".join(
        f"{name} {sum(times) / 60:.1f} min"
        for name, times in results.get("durations_s", {}).items()
    )
    return f"{total / 60:.0f} min" + (f" ({each})" if each else "")


def machine_table(results: dict) -> str:
    machine = results.get("machine", {})
    reference = results.get("reference", {})
    load = machine.get("load_average", {})
    kind = "smoke (`BENCH_QUICK=1`)" if results.get("quick") else "full"
    if results.get("only"):
        kind += f", only {', '.join(results['only'])}"
    commit = results.get("git_commit", "")
    if results.get("git_dirty"):
        commit += " (with local changes)"
    cpu = reference.get("cpu_s", [])
    rows = [
        ("date (UTC)", results.get("date", "")),
        ("git commit", commit),
        ("run", f"{kind}, {results.get('runs', '?')} runs of each benchmark"),
        ("duration", _duration(results)),
        ("CPU", f"{machine.get('cpu_model', '?')}, {machine.get('cores', '?')} cores"),
        ("memory", f"{number(machine.get('ram_gib'))} GiB"),
        ("Python", machine.get("python", "")),
        ("PostgreSQL", machine.get("postgresql", "")),
        ("load average (1 min), before / after", f"{number(load.get('before'))} / {number(load.get('after'))}"),
        (f"reference workload v{reference.get('version', '?')}, median", f"**{number(reference.get('median_s'))} s**"),
        ("reference runs before / after", f"{_seconds(reference.get('before_s', []))} / {_seconds(reference.get('after_s', []))}"),
        ("reference CPU time, median", f"{number(statistics.median(cpu))} s" if cpu else "-"),
    ]  # fmt: skip
    lines = ["| | |", "| --- | --- |"]
    lines += [f"| {label} | {text} |" for label, text in rows]
    failed = results.get("failed", [])
    if failed:
        lines.append(f"| benchmarks that failed | {', '.join(failed)} |")
    return "\n".join(lines)


def _job_p95(sections: dict[str, list[Summary]]) -> Summary | None:
    """The whole planning job's figure: the first name holding the first of
    ``JOB_FIGURES`` that any figure holds (a stage of the job may hold the
    later ones)."""
    rows = [row for rows in sections.values() for row in rows if row.stat == "p95"]
    for words in JOB_FIGURES:
        for row in rows:
            if words in row.name:
                return row
    return None


def scale_table(sections: dict[str, list[Summary]]) -> str:
    """Workers for a rate of plans, and their memory, from this run's figures."""
    memory = {
        int(match["topics"].replace(",", "")): row.value
        for row in sections.get("scale", [])
        if (match := SNAPSHOT_FIGURE.match(row.name))
    }
    base = next(
        (
            row.value
            for row in sections.get("scale", [])
            if row.name == WORKER_BASE_FIGURE
        ),
        None,
    )
    lines = []
    if memory:
        lines += ["| topics in the catalog | snapshot MiB | one worker MiB (base + snapshot) |", "| --- | --- | --- |"]  # fmt: skip
        for topics, mib in sorted(memory.items()):
            whole = number(base + mib) if base is not None else ""
            lines.append(f"| {topics:,} | {number(mib)} | {whole} |")
    else:
        lines.append("_No snapshot memory figures in this run._")
    job = _job_p95(sections)
    lines.append("")
    if job is None or job.unit not in SECONDS:
        lines.append("_No planning-job figure in this run: no worker sizing._")
        return "\n".join(lines)
    seconds = job.p95 * SECONDS[job.unit]
    per_worker = 60 / seconds * UTILISATION
    lines += [
        f'From "{job.name}" p95 {number(job.p95)} {job.unit}: one worker thread '
        f"busy at most {UTILISATION:.0%} of the time plans {number(per_worker)} "
        f"per minute.",
        "",
        "| plans per minute | worker threads needed |",
        "| --- | --- |",
    ]
    lines += [
        f"| {rate:,} | {math.ceil(rate * seconds / 60 / UTILISATION)} |"
        for rate in PLAN_RATES
    ]
    return "\n".join(lines)


def render(results: dict, text: str) -> tuple[str, list[str]]:
    """The page with every marker's body rewritten, and the sections that
    found no place (neither their own marker nor ``bench:other``)."""
    sections = summaries(results)
    reference_s = results.get("reference", {}).get("median_s")
    named = {match["name"] for match in MARKER.finditer(text)}
    others = [name for name in sections if name not in named]
    smoke = ""
    if results.get("quick"):
        smoke = (
            "_Smoke run (`BENCH_QUICK=1`): reduced sizes, not figures to quote._\n\n"
        )

    def body(name: str) -> str:
        if name == "machine":
            return machine_table(results)
        if name == "scale":
            return smoke + scale_table(sections)
        if name == "other":
            if not others:
                return "_Every section has its own table._"
            return "\n\n".join(
                f"**{section}**\n\n{figure_table(sections[section], reference_s)}"
                for section in others
            )
        if name not in sections:
            return "_Not measured in this run._"
        return smoke + figure_table(sections[name], reference_s)

    rewritten = MARKER.sub(
        lambda m: f"{m.group(1)}{body(m['name'])}\n{m.group(4)}", text
    )
    unplaced = [] if "other" in named else others
    return rewritten, unplaced


def main() -> int:
    default_results, default_docs = results_paths()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=default_results)
    parser.add_argument("--docs", type=Path, default=default_docs)
    parser.add_argument(
        "--source",
        type=Path,
        default=DOCS,
        help="the page whose prose and markers are kept (default: docs/performance.md)",
    )
    args = parser.parse_args()
    if not args.results.exists():
        print(
            f"no results file {args.results}: run `make bench` first", file=sys.stderr
        )
        return 1
    try:
        results = json.loads(args.results.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        print(f"{args.results} is not JSON: {error}", file=sys.stderr)
        return 1
    rewritten, unplaced = render(results, args.source.read_text(encoding="utf-8"))
    args.docs.parent.mkdir(parents=True, exist_ok=True)
    args.docs.write_text(rewritten, encoding="utf-8")
    print(f"tables of {args.docs} written from {args.results}")
    if unplaced:
        print(f"sections without a marker (not written): {', '.join(unplaced)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
