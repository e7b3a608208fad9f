"""A loopback HTTP server speaking the subset of Meilisearch's REST API we use.

It keeps indexes, documents and tasks in memory and records every request,
so tests can assert what the adapter sent. Tasks are answered "enqueued" on
their first poll and "succeeded" (or "failed") afterwards, which makes the
adapter really wait. Only the filter forms the adapter writes are understood:
conditions joined by ``AND``, each ``field = v``, ``!=``, ``<``, ``<=``,
``>=``, ``>`` or ``field IN [v, ...]``.
"""

from __future__ import annotations

import json
import operator
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_CONDITION = re.compile(r"^(\w+) (=|!=|>=|<=|<|>) (\".*\"|-?\d+)$")
_IN = re.compile(r"^(\w+) IN \[(.*)\]$")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


@dataclass
class State:
    api_key: str = ""
    indexes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    polls: dict[int, int] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    fail_next_task: dict[str, str] | None = None  # {"code": ..., "message": ...}
    tasks_never_finish: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, method: str, path_suffix: str = "") -> list[Recorded]:
        return [
            r
            for r in self.requests
            if r.method == method and r.path.endswith(path_suffix)
        ]


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def matches_filter(document: dict[str, Any], expression: str) -> bool:
    if not expression:
        return True
    for condition in expression.split(" AND "):
        condition = condition.strip()
        found = _IN.match(condition)
        if found:
            name, values = found[1], json.loads(f"[{found[2]}]")
            if not _any(document.get(name), lambda v, values=values: v in values):
                return False
            continue
        found = _CONDITION.match(condition)
        if not found:
            raise ValueError(f"unsupported filter: {condition!r}")
        name, symbol, raw = found[1], found[2], json.loads(found[3])
        value = document.get(name)
        if symbol == "!=":
            if _any(value, partial(operator.eq, raw)):
                return False
        elif not _any(value, partial(_compare, _OPERATORS[symbol], raw)):
            return False
    return True


_OPERATORS = {
    "=": operator.eq,
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
    ">": operator.gt,
}


def _compare(test: Any, raw: Any, value: Any) -> bool:
    return value is not None and test(value, raw)


def _any(value: Any, test: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(test(v) for v in values)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        state = self.server.state
        with state.lock:
            state.requests.append(
                Recorded(
                    method, parts.path, parse_qs(parts.query), body, dict(self.headers)
                )
            )
            if state.api_key and self.headers.get("Authorization") != (
                f"Bearer {state.api_key}"
            ):
                self._send(
                    401, _error("invalid_api_key", "The provided API key is invalid.")
                )
                return
            status, payload = self.server.route(method, parts.path, parts.query, body)
        self._send(status, payload)

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _error(code: str, message: str) -> dict[str, str]:
    return {"message": message, "code": code, "type": "invalid_request", "link": ""}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def route(self, method: str, path: str, query: str, body: Any) -> tuple[int, Any]:
        segments = [s for s in path.split("/") if s]
        if method == "GET" and segments == ["health"]:
            return 200, {"status": "available"}
        if method == "GET" and len(segments) == 2 and segments[0] == "tasks":
            return self._task(int(segments[1]))
        if method == "POST" and segments == ["indexes"]:
            return self._create_index(body)
        if len(segments) >= 3 and segments[0] == "indexes":
            uid, rest = segments[1], segments[2:]
            if method == "PATCH" and rest == ["settings"]:
                return self._enqueue(
                    uid, "settingsUpdate", lambda: self._settings(uid, body)
                )
            if method == "POST" and rest == ["documents"]:
                primary_key = parse_qs(query).get("primaryKey", ["id"])[0]
                return self._enqueue(
                    uid,
                    "documentAdditionOrUpdate",
                    lambda: self._add(uid, body, primary_key),
                )
            if method == "POST" and rest == ["documents", "delete"]:
                return self._enqueue(
                    uid, "documentDeletion", lambda: self._delete(uid, body["filter"])
                )
            if method == "POST" and rest == ["search"]:
                return self._search(uid, body)
        return 404, _error("not_found", f"{method} {path}")

    # Tasks

    def _enqueue(self, uid: str, kind: str, work: Any) -> tuple[int, Any]:
        state = self.state
        task_uid = len(state.tasks)
        error = state.fail_next_task
        state.fail_next_task = None
        if error is None:
            error = work()
        state.tasks[task_uid] = {
            "uid": task_uid,
            "indexUid": uid,
            "status": "failed" if error else "succeeded",
            "type": kind,
            "details": {},
            "error": error,
            "duration": "PT0.001S",
            "enqueuedAt": _now(),
            "startedAt": _now(),
            "finishedAt": _now(),
        }
        return 202, {
            "taskUid": task_uid,
            "indexUid": uid,
            "status": "enqueued",
            "type": kind,
            "enqueuedAt": _now(),
        }

    def _task(self, task_uid: int) -> tuple[int, Any]:
        task = self.state.tasks.get(task_uid)
        if task is None:
            return 404, _error("task_not_found", f"Task `{task_uid}` not found.")
        polls = self.state.polls[task_uid] = self.state.polls.get(task_uid, 0) + 1
        if polls == 1 or self.state.tasks_never_finish:
            return 200, {**task, "status": "enqueued", "error": None}
        return 200, task

    # Index operations (run when the task is enqueued)

    def _create_index(self, body: dict[str, Any]) -> tuple[int, Any]:
        uid = body["uid"]

        def create() -> dict[str, str] | None:
            if uid in self.state.indexes:
                return _error("index_already_exists", f"Index `{uid}` already exists.")
            self.state.indexes[uid] = {
                "primaryKey": body.get("primaryKey"),
                "settings": {},
                "documents": {},
            }
            return None

        return self._enqueue(uid, "indexCreation", create)

    def _index(self, uid: str) -> dict[str, Any]:
        return self.state.indexes.setdefault(
            uid, {"primaryKey": "id", "settings": {}, "documents": {}}
        )

    def _settings(self, uid: str, body: dict[str, Any]) -> None:
        self._index(uid)["settings"].update(body)

    def _add(self, uid: str, documents: list[dict[str, Any]], primary_key: str) -> None:
        index = self._index(uid)
        for document in documents:
            index["documents"][document[primary_key]] = document

    def _delete(self, uid: str, expression: str) -> None:
        documents = self._index(uid)["documents"]
        for key in [k for k, d in documents.items() if matches_filter(d, expression)]:
            del documents[key]

    def _search(self, uid: str, body: dict[str, Any]) -> tuple[int, Any]:
        index = self.state.indexes.get(uid)
        if index is None:
            return 404, _error("index_not_found", f"Index `{uid}` not found.")
        searchable = index["settings"].get("searchableAttributes", ["title"])
        words = (body.get("q") or "").lower().split()
        hits = []
        for document in index["documents"].values():
            if not matches_filter(document, body.get("filter") or ""):
                continue
            text = " ".join(json.dumps(document.get(a, "")) for a in searchable).lower()
            if all(word in text for word in words):
                hits.append(document)
        hits.sort(key=lambda d: (-(d.get("curator_rating") or 0), d["id"]))
        distribution: dict[str, dict[str, int]] = {}
        for name in body.get("facets") or []:
            counts: dict[str, int] = {}
            for document in hits:
                value = document.get(name)
                for v in value if isinstance(value, list) else [value]:
                    if v is not None:
                        counts[str(v)] = counts.get(str(v), 0) + 1
            distribution[name] = counts
        page, per_page = body.get("page", 1), body.get("hitsPerPage", 20)
        shown = hits[(page - 1) * per_page : page * per_page]
        return 200, {
            "hits": [
                {**d, "_rankingScore": round(1 - i / 100, 4)}
                for i, d in enumerate(shown)
            ],
            "query": body.get("q", ""),
            "processingTimeMs": 0,
            "hitsPerPage": per_page,
            "page": page,
            "totalPages": max(1, -(-len(hits) // per_page)),
            "totalHits": len(hits),
            "facetDistribution": distribution,
        }


@contextmanager
def fake_meilisearch(*, api_key: str = "") -> Iterator[tuple[str, State]]:
    """Run the fake server in a thread; yields its URL and its state."""
    state = State(api_key=api_key)
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url, state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
