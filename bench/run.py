"""``make bench``: the reference workload, then every benchmark, several times.

Benchmarks that need a database use PostgreSQL: ``BENCH_DATABASE_URL``
(default ``postgres://postgres@127.0.0.1:5432/wayfinder_bench``, created and
migrated here when missing). They never touch the development database.

- ``BENCH_RUNS`` (default 3, at least 1): runs of each benchmark. Each figure
  is reported from its median run, with the spread (min-max) across runs.
- ``BENCH_ONLY=planner_domain,search_bench``: only those benchmarks (names
  are the scripts' names without ``.py``).
- ``BENCH_QUICK=1``: smaller sizes, for a smoke run.

The reference workload (``bench/reference.py``) is timed before and after
the benchmarks; every figure is also divided by its median time, so runs on
different machines compare. Each script appends its figures to the file named
by ``BENCH_FIGURES`` (``bench.common.figure``); this script gathers them with
the machine's facts into one results file (``bench.common.results_paths``),
which ``bench/report.py`` turns into the tables of docs/performance.md.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import FIGURES_ENV, results_paths  # noqa: E402
from bench.reference import REFERENCE_VERSION, reference_time  # noqa: E402
from bench.report import ratio, summaries, verdict  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wayfinder_bench"
QUICK = os.environ.get("BENCH_QUICK") == "1"
REFERENCE_RUNS = 3

# (name, title, arguments of a full run, arguments of a quick run), in the
# order they run: the database ones share one database, and the search
# benchmark rebuilds its own catalog (first run only) after the planner's.
BENCHMARKS = [
    (
        "planner_domain",
        "planner core (pure, synthetic graphs)",
        [],
        shlex.split(
            "--topics 2000 --runs 10 --full-runs 3 --scaling 1000,2000 --hub-topics 2000"
        ),
    ),
    # Ten matches a run: no target rides on it, and 20 cost minutes a run.
    (
        "embeddings_bench",
        "goal matching with embeddings (pure)",
        ["--runs", "10"],
        ["--topics", "2000", "--runs", "5"],
    ),
    (
        "snapshot_memory",
        "planner snapshot memory per catalog size (pure)",
        [],
        ["--sizes", "1000,2000"],
    ),
    (
        "catalog_transfer",
        "catalog import / export (PostgreSQL)",
        ["--sizes", "1000:10000,10000:100000"],
        ["--sizes", "200:2000,1000:10000"],
    ),
    ("planner_db", "planner snapshot and stages (PostgreSQL)", [], ["--runs", "20"]),
    (
        "search_bench",
        "catalog search (PostgreSQL)",
        ["--resources", "100000"],
        ["--resources", "10000"],
    ),
    # After the search benchmark: the same synthetic catalog, already there.
    (
        "api_http",
        "API over HTTP (gunicorn, PostgreSQL)",
        ["--resources", "100000"],
        ["--resources", "10000", "--requests", "200"],
    ),
    (
        "learner_path",
        "the learner's path over HTTP (gunicorn, Huey)",
        [],
        ["--paths", "8"],
    ),
]
# Arguments for the first run only: the search benchmark would otherwise keep
# whatever catalog of the same size the import benchmark left behind.
FIRST_RUN_ONLY = {"search_bench": ["--regenerate"]}


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def postgresql_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


def machine_facts(url: str) -> dict:
    """What the figures depend on: CPU, cores, memory, Python, PostgreSQL."""
    facts: dict[str, object] = {
        "cores": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "postgresql": postgresql_version(url),
        "load_average": {"before": os.getloadavg()[0]},
    }
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu_model"] = line.split(":", 1)[1].strip()
                break
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                facts["ram_gib"] = round(int(line.split()[1]) / 2**20, 1)
                break
    facts.setdefault("cpu_model", platform.processor() or "unknown")
    return facts


def git(*args: str) -> str:
    answer = subprocess.run(  # noqa: S603
        ["git", *args],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return answer.stdout.strip()


def runs_wanted() -> int:
    text = os.environ.get("BENCH_RUNS", "3")
    try:
        runs = int(text)
    except ValueError:
        sys.exit(f"BENCH_RUNS must be a whole number, not {text!r}")
    if runs < 1:
        sys.exit(f"BENCH_RUNS must be at least 1, not {runs}")
    return runs


def selected() -> list[tuple[str, str, list[str]]]:
    """The benchmarks to run: (name, title, arguments), present scripts only."""
    only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
    known = {name for name, *_ in BENCHMARKS}
    unknown = sorted(set(only) - known)
    if unknown:
        sys.exit(
            f"BENCH_ONLY names unknown benchmarks: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    chosen = []
    for name, title, full, quick in BENCHMARKS:
        if only and name not in only:
            continue
        if not (ROOT / "bench" / f"{name}.py").exists():
            print(f"(bench/{name}.py is not there: skipped)")
            continue
        chosen.append((name, title, quick if QUICK else full))
    return chosen


def run_once(
    script: Path, args: list[str], env: dict[str, str]
) -> tuple[bool, list[dict]]:
    """One run of one script: whether it succeeded, and the figures it recorded."""
    with tempfile.TemporaryDirectory() as tmp:
        figures_file = Path(tmp) / "figures.jsonl"
        result = subprocess.run(  # noqa: S603
            [sys.executable, str(script), *args],
            cwd=ROOT,
            env={**env, FIGURES_ENV: str(figures_file)},
            check=False,
        )
        lines = (
            figures_file.read_text(encoding="utf-8").splitlines()
            if figures_file.exists()
            else []
        )
    return result.returncode == 0, [json.loads(line) for line in lines if line]


def run_benchmark(
    name: str, title: str, args: list[str], runs: int, env: dict[str, str]
) -> tuple[bool, list[dict], list[float]]:
    """``runs`` runs of ``bench/<name>.py``, stopping at the first failure:
    whether all succeeded, every figure tagged with its script and run, and
    each run's duration in seconds."""
    script = ROOT / "bench" / f"{name}.py"
    figures: list[dict] = []
    durations: list[float] = []
    for number in range(1, runs + 1):
        print(f"\n=== {title}: run {number}/{runs} ===", flush=True)
        started = time.perf_counter()
        extra = FIRST_RUN_ONLY.get(name, []) if number == 1 else []
        ok, recorded = run_once(script, [*args, *extra], env)
        elapsed = time.perf_counter() - started
        durations.append(round(elapsed, 1))
        print(f"--- {title}: run {number}, {elapsed:.1f} s, {'ok' if ok else 'FAILED'}")
        if not ok:
            return False, figures, durations
        figures += [{**record, "script": name, "run": number} for record in recorded]
    return True, figures, durations


def reference_runs() -> tuple[list[float], list[float]]:
    walls, cpus, _checksum = reference_time(REFERENCE_RUNS)
    print(
        f"reference workload v{REFERENCE_VERSION}: "
        + ", ".join(f"{seconds:.3f}" for seconds in walls)
        + f" s (CPU {', '.join(f'{seconds:.3f}' for seconds in cpus)} s)",
        flush=True,
    )
    return walls, cpus


def summary_print(results: dict) -> None:
    reference_s = results["reference"]["median_s"]
    print(
        f"\n=== figures: median run of {results['runs']}, [spread], "
        f"÷ reference ({reference_s:.3f} s) ==="
    )
    for section, rows in summaries(results).items():
        print(f"\n[{section}]")
        for row in rows:
            p50 = f"p50 {row.p50:.2f}  " if row.p50 is not None else ""
            share = ratio(row, reference_s)
            print(
                f"  {row.name:<52} {p50}{row.stat} {row.key:.2f} {row.unit}"
                f"  [{row.low:.2f}-{row.high:.2f}]"
                + (f"  ÷ref {share:.3g}" if share is not None else "")
                + (f"  target {row.target}: {verdict(row)}" if row.target else "")
            )


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    runs = runs_wanted()
    chosen = selected()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "wayfinder.settings.dev",
        # Production runs without DEBUG and its per-query log: so do the figures.
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    ensure_database(url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    results: dict = {
        "format": 1,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "machine": machine_facts(url),
        "runs": runs,
        "quick": QUICK,
        "only": [name for name, *_ in chosen] if os.environ.get("BENCH_ONLY") else [],
    }
    print("=== reference workload, before ===", flush=True)
    started = time.perf_counter()
    walls, cpus = reference_runs()
    failed, figures, durations = [], [], {}
    for name, title, args in chosen:
        ok, recorded, durations[name] = run_benchmark(name, title, args, runs, env)
        figures += recorded
        if not ok:
            failed.append(name)
    print("\n=== reference workload, after ===", flush=True)
    walls_after, cpus_after = reference_runs()
    results["machine"]["load_average"]["after"] = os.getloadavg()[0]
    results["reference"] = {
        "version": REFERENCE_VERSION,
        "before_s": [round(seconds, 4) for seconds in walls],
        "after_s": [round(seconds, 4) for seconds in walls_after],
        "cpu_s": [round(seconds, 4) for seconds in cpus + cpus_after],
        "median_s": round(statistics.median(walls + walls_after), 4),
    }
    results["durations_s"] = durations
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["figures"] = figures
    results["failed"] = failed
    path, _docs = results_paths()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    summary_print(results)
    print(f"\nresults: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if failed:
        print("Failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
