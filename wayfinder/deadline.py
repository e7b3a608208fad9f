"""A blocking call given up after a number of seconds.

The HTTP clients' own timeouts (httpx under the OpenAI SDK) bound each
network operation, not a whole request: a server trickling bytes would
outlive them. The LLM phraser and the embeddings client both run their
request through :func:`call_within` to hold a total budget.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Overtime(Exception):
    """The call outlived its time budget."""


def call_within(seconds: float, call: Callable[[], T], *, name: str) -> T:
    """``call()`` in a daemon thread called ``name``; its result, or what it
    raised, in the caller's thread; :class:`Overtime` after ``seconds``. The
    abandoned thread ends at the client's own timeout."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except Exception as exc:  # noqa: BLE001 -- re-raised in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise Overtime
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
