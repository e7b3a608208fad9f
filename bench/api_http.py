"""The API over HTTP: gunicorn with production settings on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wf_api_bench \\
        .venv/bin/python bench/api_http.py [--resources 100000] [--requests 400]

Fills the database with the synthetic catalog of ``bench/search_bench.py``
(unless it already holds one of that size; the script ERASES a database whose
name contains "bench" to do so), indexes it, and seeds a learner with
roadmaps of 50 and 100 steps (three resources a step). Then it starts
gunicorn on a free loopback port with ``wayfinder.settings.production``
(``REDIS_URL`` passed on when set; throttles raised so the benchmark measures
the API, not the 429s), gets the learner's JWT from ``/api/v1/auth/token/``
and times, with a few threads each holding a keep-alive httpx client:

- ``GET /api/v1/roadmaps/{id}/`` for the 50-step and the 100-step roadmap;
- ``GET /roadmaps/{id}/``, the roadmap page of the 100-step roadmap, with the
  session of a sign-in through the site's form (static files are collected
  first: the pages name them through the manifest);
- ``GET /api/v1/resources/?q=python&format=video&level=beginner``.

Each: a warm-up, then the requests; p50, p95 and requests per second.
Target (issue 13): the roadmap detail of 50 and 100 steps and the roadmap
page of 100 steps, p95 at most 50 ms. Before that it counts the roadmap
detail's SQL queries in-process (Django's test client).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Last: a script here named like an app (bench/embeddings.py) must not shadow it.
sys.path.append(str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wayfinder.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "false")  # no query log in memory
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import httpx  # noqa: E402
import search_bench  # noqa: E402  (its synthetic catalog)
from rest_framework.test import APIClient  # noqa: E402

from bench.common import (  # noqa: E402
    figure,
    gunicorn_start,
    server_env,
    servers_stop,
    servers_wait,
)
from bench.learner_path import Browser  # noqa: E402
from catalog.models import Resource  # noqa: E402
from learners.models import LearnerProfile  # noqa: E402
from roadmaps.models import Roadmap, RoadmapStep, RoadmapVersion, StepResource  # noqa: E402
from search.services import search_reindex_all  # noqa: E402
from taxonomy.models import Topic  # noqa: E402

USERNAME = "bench-api-learner"
EMAIL = f"{USERNAME}@example.org"  # the site's sign-in, for the roadmap page
PASSWORD = secrets.token_urlsafe(16)
RESOURCES_QUERY = "/api/v1/resources/?q=python&format=video&level=beginner"
TARGET_P95_MS = 50.0
PAGE_STEPS = 100  # the roadmap page is timed for the larger roadmap
HTTPS = {"X-Forwarded-Proto": "https"}  # production redirects plain HTTP


def percentile(values: list[float], fraction: float) -> float:
    return search_bench.percentile(values, fraction)


def catalog_ensure(resources: int) -> None:
    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        sys.exit(f"refusing to erase database {name!r}: its name must contain 'bench'")
    call_command("migrate", verbosity=0)
    if Resource.objects.count() != resources:
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        search_bench.generate(resources)
        print(
            f"generated {resources} resources in {time.perf_counter() - started:.1f} s"
        )
        summary = search_reindex_all()
        print(f"reindex_all: {summary.documents} in {summary.seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@transaction.atomic
def roadmap_seed(owner, steps: int) -> Roadmap:
    """A roadmap of ``steps`` steps, three resources each, as the planner
    stores one (the first step active, each next one requiring the one before)."""
    today = date(2026, 1, 5)
    profile = LearnerProfile.objects.create(
        owner=owner, level="beginner", weekly_hours=Decimal("5"), start_date=today
    )
    roadmap = Roadmap.objects.create(
        owner=owner, profile=profile, title=f"Benchmark roadmap, {steps} steps"
    )
    version = RoadmapVersion.objects.create(
        roadmap=roadmap,
        number=1,
        catalog_version=1,
        planner_version=1,
        input_profile_hash="0" * 64,
        start_date=today,
        end_date=today + timedelta(weeks=steps),
        weekly_hours=Decimal("5"),
        total_hours=Decimal("2.5") * steps,
        changed_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    roadmap.current = version
    roadmap.save(update_fields=["current"])
    topics = list(Topic.objects.order_by("pk")[:steps])
    made = RoadmapStep.objects.bulk_create(
        RoadmapStep(
            version=version,
            position=i + 1,
            topic=topic,
            topic_slug=topic.slug,
            title=topic.name,
            summary=topic.summary,
            objectives=topic.objectives,
            mastery_kind="quiz",
            mastery_description="A quiz.",
            hours=Decimal("2.5"),
            start_date=today + timedelta(weeks=i),
            end_date=today + timedelta(weeks=i, days=6),
            first_week=i + 1,
            last_week=i + 1,
            requires=[topics[i - 1].slug] if i else [],
            state="active" if i == 0 else "locked",
        )
        for i, topic in enumerate(topics)
    )
    rows = []
    for step in made:
        offers = Resource.objects.filter(
            topic_coverage__topic_id=step.topic_id
        ).order_by("pk")[:3]
        rows += [
            StepResource(
                step=step,
                position=j + 1,
                resource=resource,
                resource_slug=resource.slug,
                title=resource.title,
                url=f"https://example.org/{resource.slug}",
                score=Decimal("0.5"),
            )
            for j, resource in enumerate(offers)
        ]
    StepResource.objects.bulk_create(rows)
    return roadmap


def learner_seed() -> tuple[object, dict[int, int]]:
    user_model = get_user_model()
    user_model.objects.filter(username=USERNAME).delete()
    owner = user_model.objects.create_user(USERNAME, email=EMAIL, password=PASSWORD)
    return owner, {n: roadmap_seed(owner, n).pk for n in (50, 100)}


def queries_count(owner, roadmap_id: int) -> int:
    """The detail's queries as a request over HTTP runs them: the version's
    plan part already cached (one request before), the user read afresh."""
    url = f"/api/v1/roadmaps/{roadmap_id}/"
    for _ in range(2):
        api = APIClient()
        api.force_authenticate(type(owner).objects.get(pk=owner.pk))
        with CaptureQueriesContext(connection) as queries:
            answer = api.get(url, HTTP_HOST="localhost")
        assert answer.status_code == 200, answer.content[:300]
    return len(queries)


def measure(
    base: str, path: str, auth: dict[str, str], *, clients: int, total: int, warmup: int
):
    """Latencies (ms) of ``total`` GETs spread over ``clients`` threads, and rps;
    ``auth``: the headers that authenticate (a JWT, or a session's cookies)."""
    headers = {**HTTPS, **auth}
    timings: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []
    start = threading.Barrier(clients + 1)

    def worker(count: int) -> None:
        mine = []
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            for _ in range(warmup):
                http.get(path)
            start.wait()
            for _ in range(count):
                began = time.perf_counter()
                answer = http.get(path)
                mine.append((time.perf_counter() - began) * 1000)
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
        with lock:
            timings.extend(mine)

    threads = [
        threading.Thread(target=worker, args=(total // clients,))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    if failures:
        sys.exit(f"{len(failures)} requests failed on {path}, e.g. {failures[0]}")
    return timings, len(timings) / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    catalog_ensure(args.resources)
    owner, roadmaps = learner_seed()
    # The roadmap tables were nearly empty before the seed: measured at once,
    # PostgreSQL would plan on no statistics (nested loops over every step,
    # 19 ms for the pins query instead of 5), which autovacuum's analyze
    # fixes in production within a minute. Analyze them as it would.
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE roadmaps_roadmapstep, roadmaps_stepresource,"
            " roadmaps_resourcefeedback, roadmaps_roadmapversion"
        )
    for steps, roadmap_id in roadmaps.items():
        count = queries_count(owner, roadmap_id)
        print(f"roadmap detail, {steps} steps: {count} queries")
        figure(
            "api_http",
            f"roadmap detail, {steps} steps: SQL queries",
            value=count,
            unit="queries",
        )
    connection.close()  # gunicorn's workers hold their own
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gunicorn.log"
        port = int(os.environ.get("API_HTTP_PORT") or 0) or None
        process, base = gunicorn_start(
            server_env(Path(tmp)), log, workers=args.workers, port=port
        )
        servers_wait(base, [process], log)
        try:
            token = httpx.post(
                f"{base}/api/v1/auth/token/",
                json={"username": USERNAME, "password": PASSWORD},
                headers=HTTPS,
                timeout=30,
            ).json()["access"]
            api_auth = {"Authorization": f"Bearer {token}"}
            browser = Browser(base)
            browser.sign_in(EMAIL, PASSWORD)
            page_auth = browser.cookies()
            browser.close()
            print(
                f"\ngunicorn, {args.workers} workers, production settings; "
                f"{args.clients} keep-alive clients, {args.requests} requests per "
                f"endpoint after 10 warm-up requests per client"
            )
            print(f"{'endpoint':<62} {'p50 ms':>8} {'p95 ms':>8} {'rps':>7}")
            targets = [
                (f"roadmap detail, {n} steps", f"/api/v1/roadmaps/{rid}/", api_auth)
                for n, rid in roadmaps.items()
            ] + [
                (
                    f"roadmap page, {PAGE_STEPS} steps",
                    f"/roadmaps/{roadmaps[PAGE_STEPS]}/",
                    page_auth,
                ),
                (RESOURCES_QUERY, RESOURCES_QUERY, api_auth),
            ]
            results = {}
            for label, path, auth in targets:
                timings, rps = measure(
                    base, path, auth, clients=args.clients, total=args.requests,
                    warmup=10,
                )  # fmt: skip
                results[label] = percentile(timings, 0.95)
                figure(
                    "api_http",
                    f"GET {label}",
                    samples=timings,
                    target="p95 <= 50 ms" if label.startswith("roadmap") else None,
                )
                print(
                    f"{label:<62} {percentile(timings, 0.5):>8.1f} "
                    f"{percentile(timings, 0.95):>8.1f} {rps:>7.0f}"
                )
        finally:
            servers_stop([process])
    print()
    for label, p95 in results.items():
        if label.startswith("roadmap"):
            verdict = "met" if p95 <= TARGET_P95_MS else "MISSED"
            print(f"{label} p95 {p95:.1f} ms: target <= {TARGET_P95_MS:g} ms {verdict}")
    owner.delete()


if __name__ == "__main__":
    main()
