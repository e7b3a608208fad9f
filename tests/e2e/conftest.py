"""Browser tests: Playwright driving Debian's Chromium against ``live_server``.

Locally they are skipped when ``/usr/bin/chromium`` (or axe-core, for the
accessibility checks) is missing; in CI (``CI=true``) that fails them instead.
``.ci/run`` installs Chromium; ``make install`` installs axe-core with npm.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Playwright's sync API runs an event loop in this thread; the test's own ORM
# calls (fixtures) would otherwise raise SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.core.cache import cache  # noqa: E402

import pytest  # noqa: E402

from search.services import search_index_suspended, search_reindex_all  # noqa: E402
from tests.search.conftest import Catalog, build_catalog  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} (apt-get install -y chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def axe_path() -> Path:
    if not AXE.exists():
        _missing(f"{AXE} (npm ci)")
    return AXE


@pytest.fixture
def search_catalog(
    live_server, django_db_serialized_rollback, settings
) -> Iterator[Catalog]:
    """The crafted search catalog, indexed, behind a live server.

    The live server needs a transactional database; serialized rollback puts
    back what the migrations created once the test has flushed it.
    """
    settings.SEARCH_BACKEND = "database"
    cache.clear()
    with search_index_suspended():
        catalog = build_catalog()
    search_reindex_all()
    yield catalog
    cache.clear()
