"""An OpenAI-compatible ``/v1/embeddings`` client with a budget and one retry.

The same endpoint and key as the LLM (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``),
the model named by ``EMBEDDINGS_MODEL``. Each call has a hard total time
budget (every attempt included) and at most one retry, for transient
failures only (connection errors, 408/409/429, 5xx, malformed bodies). Any
failure raises :class:`EmbeddingsFailed`: callers keep their lexical
matching. Replies are read as raw JSON and checked here (one finite vector
per input, all of one size), not trusted to the client's lenient models.
The reply's ``model`` (the model that actually served it, which a provider
may move to a new version behind the configured alias) is returned with the
vectors: it is the version stored beside them.
"""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

import openai
import structlog

from wayfinder.deadline import Overtime, call_within

from .vectors import unit

logger = structlog.get_logger(__name__)


MAX_ATTEMPTS = 2  # one retry
MIN_ATTEMPT_SECONDS = 0.25
MAX_DIMENSIONS = 8192
RETRY_STATUSES = frozenset({408, 409, 429})
MAX_VERSION_CHARS = 100  # Embedding.model_version's size
NO_API_KEY = "not-needed"  # local servers ignore the key; the client needs one


class EmbeddingsFailed(RuntimeError):
    """No usable vectors within the budget."""


class EmbeddingsNotConfigured(EmbeddingsFailed):
    """``EMBEDDINGS_MODEL`` or ``OPENAI_BASE_URL`` is unset."""


@dataclass(frozen=True)
class EmbeddingsReply:
    """One answer: a unit vector per text, in order, and the model the
    endpoint said served it ("" when it did not say)."""

    vectors: list[array]
    model_version: str


class _Failure(Exception):
    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason, self.retry = reason, retry


class EmbeddingsClient:
    """Vectors for texts from an OpenAI-compatible embeddings endpoint.

    ``embed(texts)`` returns one unit vector (``array("f")``) per text, in
    order, or raises :class:`EmbeddingsFailed`. ``client`` replaces the
    ``openai.OpenAI`` client (tests).
    """

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        budget_seconds: float = 10.0,
        client: openai.OpenAI | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if budget_seconds <= 0:
            raise ValueError("budget_seconds must be positive.")
        self.model = model
        self.budget_seconds = float(budget_seconds)
        self.host = urlsplit(base_url).hostname or ""
        self.clock = clock
        self._client = client or openai.OpenAI(
            base_url=base_url,
            api_key=api_key or NO_API_KEY,
            timeout=self.budget_seconds,
            max_retries=0,  # retries are ours, inside the budget
        )
        self._log = logger.bind(embeddings_host=self.host, embeddings_model=model)

    def __repr__(self) -> str:
        return f"EmbeddingsClient(host={self.host!r}, model={self.model!r})"

    def embed(self, texts: Sequence[str]) -> list[array]:
        """One unit vector per text (one request, retried once if transient)."""
        return self.embed_reply(texts).vectors

    def embed_reply(self, texts: Sequence[str]) -> EmbeddingsReply:
        """The vectors of ``texts`` and the model version that computed them."""
        if not texts:
            return EmbeddingsReply(vectors=[], model_version="")
        started = self.clock()
        deadline = started + self.budget_seconds
        reason = "budget spent"
        for attempt in range(1, MAX_ATTEMPTS + 1):
            remaining = deadline - self.clock()
            if remaining < MIN_ATTEMPT_SECONDS:
                break
            try:
                body = self._request(list(texts), remaining)
                vectors = parse_reply(body, len(texts))
                version = reported_version(body)
            except _Failure as failure:
                reason = failure.reason
                self._log.warning(
                    "embeddings_attempt_failed",
                    attempt=attempt,
                    reason=reason,
                    texts=len(texts),
                    elapsed_ms=round((self.clock() - started) * 1000),
                )
                if not failure.retry:
                    break
                continue
            self._log.info(
                "embeddings_computed",
                texts=len(texts),
                attempts=attempt,
                dimensions=len(vectors[0]),
                model_version=version,
                elapsed_ms=round((self.clock() - started) * 1000),
            )
            return EmbeddingsReply(vectors=vectors, model_version=version)
        raise EmbeddingsFailed(reason)

    def _request(self, texts: list[str], seconds: float) -> Any:
        try:
            raw = call_within(
                seconds,
                lambda: self._client.embeddings.with_raw_response.create(
                    model=self.model,
                    input=texts,
                    encoding_format="float",
                    timeout=seconds,
                ),
                name="embeddings-client",
            )
            return raw.http_response.json()
        except (Overtime, openai.APITimeoutError):
            raise _Failure("timeout", retry=False) from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            retry = status in RETRY_STATUSES or status >= 500
            raise _Failure(f"http {status}", retry=retry) from None
        except openai.APIConnectionError:
            raise _Failure("connection error", retry=True) from None
        except (openai.APIError, ValueError):
            raise _Failure("reply is not JSON", retry=True) from None


def parse_reply(body: Any, count: int) -> list[array]:
    """The vectors of an embeddings reply, in input order.

    Raises _Failure (retryable) unless ``data`` holds exactly one finite,
    non-zero vector per input (by ``index``, each once), all of one size.
    """
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or len(data) != count:
        raise _Failure("reply has no vector per input", retry=True)
    by_index: dict[int, array] = {}
    for position, item in enumerate(data):
        if not isinstance(item, dict):
            raise _Failure("malformed item", retry=True)
        index = item.get("index", position)
        values = item.get("embedding")
        if (
            not isinstance(index, int)
            or isinstance(index, bool)
            or not 0 <= index < count
            or index in by_index
        ):
            raise _Failure("bad or repeated index", retry=True)
        by_index[index] = _vector(values)
    sizes = {len(v) for v in by_index.values()}
    if len(sizes) != 1:
        raise _Failure("vectors of different sizes", retry=True)
    return [by_index[i] for i in range(count)]


def reported_version(body: Any) -> str:
    """The reply's ``model``, trimmed; "" when absent, not a string or too long
    (a version nobody can compare is no version)."""
    model = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model, str):
        return ""
    model = model.strip()
    return model if len(model) <= MAX_VERSION_CHARS else ""


def model_label(*, model: str, version: str) -> str:
    """The configured model, and the version the endpoint reported when it
    says more than the name: ``"alias (alias-2025-01)"``."""
    if not version or version == model:
        return model
    return f"{model} ({version})"


def _vector(values: Any) -> array:
    if not isinstance(values, list) or not 0 < len(values) <= MAX_DIMENSIONS:
        raise _Failure("embedding is not a list of numbers", retry=True)
    if not all(
        isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
        for x in values
    ):
        raise _Failure("embedding has non-numbers", retry=True)
    try:
        return unit(values)
    except (ValueError, OverflowError):
        raise _Failure("zero or overflowing vector", retry=True) from None


def embeddings_model() -> str:
    """The configured model, or "" when embeddings are off."""
    if not settings.OPENAI_BASE_URL.strip():
        return ""
    return settings.EMBEDDINGS_MODEL.strip()


def client_from_settings(*, query: bool = False) -> EmbeddingsClient:
    """The configured client; ``query`` gives the short budget of a request a
    learner waits on. Raises :class:`EmbeddingsNotConfigured`."""
    model = embeddings_model()
    if not model:
        raise EmbeddingsNotConfigured(
            "Embeddings are not configured: set EMBEDDINGS_MODEL and OPENAI_BASE_URL."
        )
    budget = (
        settings.EMBEDDINGS_QUERY_BUDGET_SECONDS
        if query
        else settings.EMBEDDINGS_BUDGET_SECONDS
    )
    return EmbeddingsClient(
        base_url=settings.OPENAI_BASE_URL.strip(),
        model=model,
        api_key=settings.OPENAI_API_KEY,
        budget_seconds=budget,
    )
