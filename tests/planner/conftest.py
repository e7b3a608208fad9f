"""Fixtures for the planner's Django side: catalogs in the database, learners,
and real Huey consumers.

The pure core's tests in this folder need none of them; the autouse fixture
only resets the process's snapshot so no test sees another's catalog (test
transactions roll back, so catalog version numbers repeat between tests).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction

import pytest

from catalog.models import Resource
from taxonomy.models import Subject, Topic, Track
from taxonomy.services import catalog_version_bump
from tests.factories import (
    PrerequisiteFactory,
    ProviderFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parents[2]
STARTER_CATALOG = ROOT / "data" / "catalog.json"
TODAY_ISO = "2026-01-05"


# -- a small catalog --------------------------------------------------------------
CHAIN = ("py-setup", "py-variables", "py-loops", "py-functions", "py-classes")


@dataclass
class SmallCatalog:
    subject: Subject
    topics: dict[str, Topic]
    tracks: dict[str, Track]
    resources: dict[str, Resource] = field(default_factory=dict)


def small_catalog_build(*, without_resources: tuple[str, ...] = ()) -> SmallCatalog:
    """A chain of five Python topics (setup -> ... -> classes), a side topic,
    two tracks, and two English resources per topic from two providers."""
    with transaction.atomic():
        subject = SubjectFactory(
            slug="python", name="Python programming", languages=["en", "es"]
        )
        names = {
            "py-setup": ("Setup", "Install Python and run a script"),
            "py-variables": ("Variables", "Store values in variables"),
            "py-loops": ("Loops", "Repeat work with for and while loops"),
            "py-functions": ("Functions", "Write a function that returns a value"),
            "py-classes": ("Classes", "Model a problem with classes"),
            "py-style": ("Style", "Format code the PEP 8 way"),
        }
        # Curated teaching order: style is taught early, right after setup.
        order = ("py-setup", "py-style", *CHAIN[1:])
        topics = {
            slug: TopicFactory(
                slug=slug,
                subject=subject,
                name=name,
                objectives=[objective, "Explain it to a friend"],
                estimated_hours=Decimal("2.5"),
                position=order.index(slug) + 1,
            )
            for slug, (name, objective) in names.items()
        }
        for before, after in zip(CHAIN, CHAIN[1:], strict=False):
            PrerequisiteFactory(topic=topics[after], requires=topics[before])
        PrerequisiteFactory(
            topic=topics["py-functions"],
            requires=topics["py-style"],
            kind="recommended",
        )
        tracks = {
            "python-basics": TrackFactory(
                slug="python-basics",
                subject=subject,
                name="Python basics",
                description="Variables, loops and functions.",
                targets=[topics["py-functions"]],
            ),
            "python-objects": TrackFactory(
                slug="python-objects",
                subject=subject,
                name="Object-oriented Python",
                description="Design programs with classes.",
                targets=[topics["py-classes"]],
            ),
        }
        catalog = SmallCatalog(subject, topics, tracks)
        providers = [
            ProviderFactory(slug="docs-org"),
            ProviderFactory(slug="videos-inc"),
        ]
        for slug, topic in topics.items():
            if slug in without_resources:
                continue
            for i, (provider, fmt) in enumerate(
                zip(providers, ("article", "video"), strict=True)
            ):
                resource = ResourceFactory(
                    slug=f"{slug}-{fmt}",
                    title=f"{topic.name} {fmt}",
                    provider=provider,
                    format=fmt,
                    duration_minutes=60 + 30 * i,
                    topics=[topic],
                )
                catalog.resources[resource.slug] = resource
    return catalog


def small_catalog_levels(catalog: SmallCatalog, level: str) -> SmallCatalog:
    """Every topic of ``catalog`` at ``level``: an intermediate learner is then
    placed by questions alone (the level places nobody past topics at it)."""
    Topic.objects.filter(subject=catalog.subject).update(level=level)
    catalog_version_bump()
    return catalog


@pytest.fixture
def small_catalog(db) -> SmallCatalog:
    return small_catalog_build()


@pytest.fixture
def learner(db):
    return UserFactory(username="learner")


def profile_raw(**overrides: Any) -> dict[str, Any]:
    """Onboarding answers for the small catalog: zero questions by default."""
    raw = {
        "subject": "Python",
        "level": "beginner",
        "goals": "python-basics",
        "weekly_hours": "5 hours",
        "start_date": TODAY_ISO,
    }
    raw.update(overrides)
    return {k: v for k, v in raw.items() if v is not None}


# -- the starter catalog, once per module -----------------------------------------
@pytest.fixture(scope="module")
def starter_catalog(django_db_setup, django_db_blocker) -> Iterator[None]:
    """data/catalog.json imported once for a module, inside a transaction
    rolled back after the module (each test's own transaction nests in it
    as a savepoint). Only for modules whose tests use ``db``, not
    ``transactional_db``."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("import_catalog", str(STARTER_CATALOG), verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# -- real Huey consumers --------------------------------------------------------------
#: Runs ``manage.py run_huey`` with test settings overridden from the
#: PLANNER_TEST_SETTINGS environment variable (JSON): the lease, the stage delay.
CONSUMER_SCRIPT = """
import json, os, sys
import django
django.setup()
from django.test.utils import override_settings
override_settings(**json.loads(os.environ["PLANNER_TEST_SETTINGS"])).enable()
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "run_huey", "--workers", "1", "--no-periodic"])
"""


def database_url() -> str:
    """A URL for the test database this process uses (PostgreSQL only)."""
    where = connection.settings_dict
    auth = where["USER"] or ""
    if where.get("PASSWORD"):
        auth += f":{where['PASSWORD']}"
    host = f"{where.get('HOST') or '127.0.0.1'}:{where.get('PORT') or 5432}"
    return f"postgres://{auth}@{host}/{where['NAME']}"


@pytest.fixture
def huey_consumers(
    redis_url, transactional_db, tmp_path
) -> Iterator[Callable[..., Any]]:
    """Starts ``run_huey`` consumers on this process's queue and test database.

    ``start(**settings)`` returns the Popen once the consumer listens; every
    consumer still running is stopped before the database is flushed. Their
    output goes to ``consumer-N.log`` in the test's ``tmp_path``.
    """
    from huey import RedisHuey
    from huey.contrib.djhuey import HUEY

    if connection.vendor != "postgresql":
        pytest.skip("a consumer process needs a shared database (PostgreSQL)")
    if not isinstance(HUEY, RedisHuey):
        pytest.fail("with REDIS_URL set the tests must run on RedisHuey")
    HUEY.flush()
    started: list[subprocess.Popen] = []

    def start(**overrides: Any) -> subprocess.Popen:
        overrides.setdefault("PLANNER_GRAPH_CACHE", False)
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "HUEY_NAME": HUEY.name,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "wayfinder.settings.test",
            "LOG_LEVEL": "INFO",  # the start-up line tells when it listens
            "PLANNER_TEST_SETTINGS": json.dumps(overrides),
        }
        log = tmp_path / f"consumer-{len(started) + 1}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", CONSUMER_SCRIPT],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(process)

        # Enqueue only once it listens: a task waiting in Redis for a consumer
        # is exposed to anything that flushes the shared Redis database.
        def consumer_started():
            if process.poll() is not None:
                pytest.fail(f"the consumer exited: {log.read_text()[-2000:]}")
            return "Huey consumer started" in log.read_text()

        wait_for(consumer_started, timeout=60)
        return process

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        HUEY.flush()


def wait_for(check: Callable[[], Any], *, timeout: float, interval: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {check.__name__}")
