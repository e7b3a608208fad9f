"""What every benchmark script shares: how a figure is recorded, and how
the servers a benchmark talks to over HTTP are started and stopped.

A script measures, prints its own human table, and hands each figure the issue
names a target for to :func:`figure`. When ``BENCH_FIGURES`` names a file (``bench/run.py``
sets it for each run of each script), the figure is appended there as one JSON
line; ``bench/run.py`` gathers those lines across runs and ``bench/report.py``
turns them into the tables of docs/performance.md. Without ``BENCH_FIGURES``,
:func:`figure` does nothing, so a script run by hand behaves as before.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

FIGURES_ENV = "BENCH_FIGURES"
SECTION = re.compile(r"^[a-z0-9_-]+$")
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
DOCS = ROOT / "docs" / "performance.md"
SCRATCH = ROOT / "var" / "bench"


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0-1) percentile of ``samples``, by nearest rank."""
    if not samples:
        raise ValueError("percentile of no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def figure(
    section: str,
    name: str,
    *,
    samples: Sequence[float] | None = None,
    value: float | None = None,
    unit: str = "ms",
    target: str | None = None,
) -> None:
    """Record one figure of one benchmark run.

    ``section`` groups figures into one table of docs/performance.md: by
    convention the script's name without ``.py`` (``"search_bench"``), the
    name of the page's ``<!-- bench:search_bench -->`` marker (a slug of
    lowercase letters, digits, ``-`` and ``_``);
    ``name`` says what was measured and is the figure's identity across runs.
    Give either ``samples`` (per-operation timings in ``unit``: p50, p95 by
    nearest rank, and n are kept) or ``value`` (one number, such as an
    import's duration). ``target`` is the issue's target as text
    (``"p95 <= 30 ms"``, ``"<= 30 s"``): ``bench/report.py`` reads it to say
    met or missed. Never prints.
    """
    if not SECTION.match(section):
        raise ValueError(f"section {section!r} is not a slug (a-z, 0-9, - and _)")
    if (samples is None) == (value is None):
        raise ValueError("figure() takes exactly one of samples= or value=")
    record: dict[str, object] = {"section": section, "name": name, "unit": unit}
    if samples is not None:
        values = [float(sample) for sample in samples]
        record.update(
            p50=percentile(values, 0.50), p95=percentile(values, 0.95), n=len(values)
        )
    else:
        record["value"] = float(value)
    if target is not None:
        record["target"] = target
    line = json.dumps(record, sort_keys=True, allow_nan=False) + "\n"
    path = os.environ.get(FIGURES_ENV)
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(line)


def results_paths() -> tuple[Path, Path]:
    """Where ``make bench`` writes its results, and where they are reported.

    A full run (neither ``BENCH_QUICK`` nor ``BENCH_ONLY``) writes
    ``bench/results/latest.json`` and the tables of docs/performance.md; a
    smoke or partial run writes both under ``var/bench/`` (not committed), so
    it never passes for the figures. ``BENCH_RESULTS`` names another results file.
    """
    official = os.environ.get("BENCH_QUICK") != "1" and not os.environ.get("BENCH_ONLY")
    results = RESULTS if official else SCRATCH / "results.json"
    docs = DOCS if official else SCRATCH / "performance.md"
    override = os.environ.get("BENCH_RESULTS")
    return (Path(override) if override else results), docs


# -- servers: gunicorn with production settings, as a benchmark runs them ----------
def free_port() -> int:
    """A loopback port free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp: Path, **overrides: str) -> dict[str, str]:
    """The environment of a benchmark's servers: this one without its
    ``DJANGO_*`` variables, then ``wayfinder.settings.production`` with a fresh
    secret key, loopback hosts, static files and ``var/`` under ``tmp``, and
    throttles raised (the benchmark measures the site, not its 429s);
    ``overrides`` last."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="wayfinder.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        DJANGO_VAR_DIR=str(tmp / "var"),
        LOG_LEVEL="WARNING",
        THROTTLE_ANON_RATE="1000000/minute",
        THROTTLE_USER_RATE="1000000/minute",
    )
    env.update(overrides)
    return env


def python_start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``python <args>`` in the project's directory, its output added to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, *args], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def gunicorn_start(
    env: dict[str, str], log: Path, *, workers: int, port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """Static files collected (the pages' ``{% static %}`` reads the manifest),
    then gunicorn (``wayfinder.wsgi``, sync workers) started on ``port`` (a
    free one by default): the process and its base URL. Wait for it with
    :func:`servers_wait`."""
    collect = python_start(["manage.py", "collectstatic", "--noinput", "-v0"], env, log)
    if collect.wait() != 0:
        sys.exit(f"collectstatic failed:\n{log.read_text()}")
    port = port or free_port()
    gunicorn = python_start(
        ["-m", "gunicorn", "wayfinder.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env, log,
    )  # fmt: skip
    return gunicorn, f"http://127.0.0.1:{port}"


def servers_wait(
    base: str, processes: list[subprocess.Popen], log: Path, timeout: float = 60
) -> None:
    """Until ``base`` answers ``/healthz``; exits (servers stopped, their log
    printed) if any of ``processes`` ends first or ``timeout`` passes."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if any(p.poll() is not None for p in processes):
            servers_stop(processes)
            sys.exit(f"a server exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            servers_stop(processes)
            sys.exit(f"gunicorn did not answer:\n{log.read_text()}")
        time.sleep(0.2)


def servers_stop(processes: list[subprocess.Popen]) -> None:
    """Terminate ``processes`` and wait for them (killed after 30 s)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
