"""A loopback server speaking OpenAI's ``/v1/embeddings`` protocol, and
settings pointing at it.

Its default answer is a deterministic bag-of-words vector: each word (after a
small synonym table, so "blueprints" means "classes" as a real model would
place them close) is hashed into one of 64 dimensions. Texts sharing words
are similar, unrelated texts are nearly orthogonal, and the same text always
gets the same vector.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

# Fixtures of other folders these tests use: a learner, loopback sources.
from tests.planner.conftest import learner  # noqa: F401
from tests.sources.conftest import server, sources_settings  # noqa: F401

PORTS = range(18500, 18520)
MODEL = "wf-embed-test"
API_KEY = "sk-embed-test-0123456789"
DIMENSIONS = 64
SYNONYMS = {"blueprint": "classes", "blueprints": "classes", "repeat": "loops"}
STOP = frozenset({"a", "an", "and", "the", "to", "of", "for", "in", "with", "i", "my"})


def bag_vector(text: str) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for raw in re.findall(r"[a-z]+", text.lower()):
        if raw in STOP or raw in {"targets", "tags"}:
            continue
        word = SYNONYMS.get(raw, raw)
        digest = hashlib.sha256(word.encode()).digest()
        vector[digest[0] % DIMENSIONS] += 1.0
    if not any(vector):
        vector[0] = 1.0
    return vector


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    delay: float = 0.0


def vectors_reply(body: dict[str, Any]) -> Reply:
    """A well-behaved server: one vector per input, in order."""
    inputs = body["input"]
    return Reply(
        body={
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": bag_vector(text)}
                for i, text in enumerate(inputs)
            ],
            "model": body["model"],
            "usage": {"prompt_tokens": 5, "total_tokens": 5},
        }
    )


def reporting(version: Any) -> Callable[[dict[str, Any]], Reply]:
    """A well-behaved server whose answers say ``version`` served them (as a
    provider's do once it moves the alias to a new model version)."""

    def answer(body: dict[str, Any]) -> Reply:
        reply = vectors_reply(body)
        reply.body["model"] = version
        return reply

    return answer


def error(status: int) -> Reply:
    return Reply(status, {"error": {"message": "nope", "type": "server_error"}})


class EmbeddingServer:
    """``/v1/embeddings`` on loopback, answering through ``answer``."""

    def __init__(self, answer: Callable[[dict[str, Any]], Reply]) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self.closing = threading.Event()
        self.httpd = _bind()
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def inputs(self) -> list[list[str]]:
        return [r["json"]["input"] for r in self.requests]

    def close(self) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _bind() -> ThreadingHTTPServer:
    for port in PORTS:
        with contextlib.suppress(OSError):
            return ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    raise RuntimeError("no free port in 18500-18519")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        owner: EmbeddingServer = self.server.owner  # type: ignore[attr-defined]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        owner.requests.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "json": body,
            }
        )
        reply = owner.answer(body) if self.path == "/v1/embeddings" else error(404)
        if reply.delay and owner.closing.wait(reply.delay):
            return
        data = (
            reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        ).encode()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[..., EmbeddingServer]]:
    servers: list[EmbeddingServer] = []

    def start(
        answer: Callable[[dict[str, Any]], Reply] = vectors_reply,
    ) -> EmbeddingServer:
        servers.append(EmbeddingServer(answer))
        return servers[-1]

    yield start
    for started in servers:
        started.close()


@pytest.fixture
def configure(settings) -> Callable[[EmbeddingServer], None]:
    """Point the settings at a server (embeddings on)."""

    def point(endpoint: EmbeddingServer) -> None:
        settings.OPENAI_BASE_URL = endpoint.base_url
        settings.OPENAI_API_KEY = API_KEY
        settings.EMBEDDINGS_MODEL = MODEL
        settings.EMBEDDINGS_BUDGET_SECONDS = 3.0
        settings.EMBEDDINGS_QUERY_BUDGET_SECONDS = 2.0
        settings.EMBEDDINGS_BATCH_SIZE = 4
        settings.EMBEDDINGS_WEIGHT = 0.3

    return point


@pytest.fixture
def embeddings_off(settings) -> None:
    settings.OPENAI_BASE_URL = ""
    settings.EMBEDDINGS_MODEL = ""
