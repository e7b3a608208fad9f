"""Memory of the planner's catalog snapshot as the catalog grows (Linux).

    .venv/bin/python bench/snapshot_memory.py [--sizes 1000,10000,50000]

For each size, a fresh process builds the synthetic catalog of
``bench/planner_domain.py`` (10 resources a topic), builds its
``CatalogGraph``, drops the generator's plain data and collects, then reads
its resident memory: what the snapshot adds to a worker is the growth over
the process's resident memory before generating. The peak while building
(max RSS) is printed beside it. A last process loads Django and the apps'
modules, as a Huey worker does before its first job: the worker's own base.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import figure  # noqa: E402

TOPICS_PER_SUBJECT = 500

_MEASURE_SNAPSHOT = """
import gc, json, os, resource, sys
sys.path.insert(0, {root!r})
from planner.domain.synthetic import synthetic_catalog

def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

gc.collect()
before = rss()
catalog = synthetic_catalog(
    topics={topics}, resources_per_topic=10, subjects=max(1, {topics} // {per}), seed=7
)
graph = catalog.graph()
del catalog
gc.collect()
print(json.dumps({{
    "topics": len(graph.topics),
    "resources": len(graph.resources),
    "snapshot": rss() - before,
    "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}}))
"""

_MEASURE_WORKER = """
import gc, json, os, sys
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wayfinder.settings.dev")
# As production runs: without DEBUG and its per-query log.
os.environ.setdefault("DJANGO_DEBUG", "false")
import django
django.setup()
import planner.services, planner.tasks, roadmaps.services, search.services  # noqa
gc.collect()
with open("/proc/self/statm") as statm:
    rss = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
print(json.dumps({{"base": rss}}))
"""


def measure(code: str) -> dict:
    answer = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        check=False,
    )
    if answer.returncode:
        sys.exit(f"measuring process failed:\n{answer.stderr[-2000:]}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    args = parser.parse_args()
    if not Path("/proc/self/statm").exists():
        sys.exit("this benchmark reads /proc/self/statm: Linux only")
    print(f"{'topics':>8}{'resources':>11}{'snapshot MiB':>14}{'peak MiB':>10}")
    for size in (int(part) for part in args.sizes.split(",") if part):
        got = measure(
            _MEASURE_SNAPSHOT.format(
                root=str(ROOT), topics=size, per=TOPICS_PER_SUBJECT
            )
        )
        print(
            f"{got['topics']:>8}{got['resources']:>11}"
            f"{got['snapshot']:>14.0f}{got['peak']:>10.0f}"
        )
        figure(
            "scale",
            f"snapshot memory, {size:,} topics",
            value=got["snapshot"],
            unit="MiB",
        )
    base = measure(_MEASURE_WORKER.format(root=str(ROOT)))["base"]
    print(f"\nworker base (Django and the apps loaded, no snapshot): {base:.0f} MiB")
    figure("scale", "worker base memory, no snapshot", value=base, unit="MiB")


if __name__ == "__main__":
    main()
