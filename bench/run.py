"""``make bench``: every benchmark, one after the other, with its figures.

Benchmarks that need a database use PostgreSQL: ``BENCH_DATABASE_URL``
(default ``postgres://postgres@127.0.0.1:5432/wayfinder_bench``, created and
migrated here when missing). They never touch the development database.
``BENCH_QUICK=1`` runs smaller sizes, for a smoke run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wayfinder_bench"
QUICK = os.environ.get("BENCH_QUICK") == "1"


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


def run(title: str, args: list[str], env: dict[str, str]) -> bool:
    print(f"\n=== {title} ===", flush=True)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=False)  # noqa: S603
    print(
        f"--- {title}: {time.perf_counter() - started:.1f} s, exit {result.returncode}"
    )
    return result.returncode == 0


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "wayfinder.settings.dev",
        "LOG_LEVEL": "WARNING",
    }
    ensure_database(url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    sizes = "200:2000,1000:10000" if QUICK else "1000:10000,10000:100000"
    plans = [
        (
            "planner core (pure, synthetic graphs)",
            ["bench/planner_domain.py"]
            + (
                [
                    "--topics",
                    "2000",
                    "--runs",
                    "10",
                    "--full-runs",
                    "3",
                    "--scaling",
                    "1000,2000",
                    "--hub-topics",
                    "2000",
                ]
                if QUICK
                else []
            ),
        ),
        (
            "catalog import / export (PostgreSQL)",
            ["bench/catalog_transfer.py", "--sizes", sizes],
        ),
    ]
    optional = [
        ("planner snapshot and stages (PostgreSQL)", "bench/planner_db.py"),
        ("catalog search (PostgreSQL)", "bench/search_bench.py"),
        # After the search benchmark: the same synthetic catalog, already there.
        ("API over HTTP (gunicorn, PostgreSQL)", "bench/api_http.py"),
    ]
    quick_args = {
        "bench/search_bench.py": ["--resources", "10000"],
        "bench/api_http.py": ["--resources", "10000", "--requests", "200"],
    }
    for title, script in optional:
        if (ROOT / script).exists():
            extra = quick_args.get(script, []) if QUICK else []
            plans.append((title, [script, *extra]))
    failed = [title for title, args in plans if not run(title, args, env)]
    if failed:
        print("\nFailed: " + ", ".join(failed))
        return 1
    print("\nAll benchmarks ran. Record the figures in docs/performance.md.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
