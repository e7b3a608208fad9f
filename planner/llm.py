"""The optional LLM adapter: an OpenAI-compatible chat model rephrases texts.

:class:`OpenAIPhraser` implements the domain's :class:`~planner.domain.Phraser`.
It sends the deterministic texts (question texts, step summaries) keyed by
their ids and takes back one text per id; it never sees or returns structure,
and :func:`~planner.domain.apply_phraser` keeps the deterministic text for
anything it refuses. Each phrasing call has a hard total time budget (10 s at
most, every attempt included) and at most one retry; any failure raises
:class:`PhrasingFailed`, which ``apply_phraser`` turns into the deterministic
wording. docs/llm.md holds the policy.

Create one phraser per roadmap generation (:func:`phraser_from_settings`
returns a fresh one): it collects the models whose text it returned, for
``RoadmapVersion.model_versions``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

import jsonschema
import openai
import structlog

from planner.domain import PlanStep, Question
from planner.domain.wording import PHRASE_MAX_CHARS, step_summary
from wayfinder.deadline import Overtime, call_within

logger = structlog.get_logger(__name__)


MAX_BUDGET_SECONDS = 10.0
MAX_ATTEMPTS = 2  # one retry
MIN_ATTEMPT_SECONDS = 0.25  # not worth starting a request with less
MAX_ITEMS = 12  # texts per request: more do not come back within the budget
MAX_MODEL_CHARS = 100
RETRY_STATUSES = frozenset({408, 409, 429})
# Local servers (Ollama, llama.cpp, vLLM) ignore the key; the client needs one.
NO_API_KEY = "not-needed"

SYSTEM_PROMPT = (
    "You rewrite short texts for Wayfinder, an app that builds learning "
    "roadmaps. Make each text clearer and friendlier for the learner, in "
    f"English, plain text on one line, at most {PHRASE_MAX_CHARS} characters. "
    "Keep its meaning and every fact: names, numbers, hours, weeks and dates "
    "stay exactly as written. Add no advice, links, resources or steps. "
    'Reply with one JSON object only: {"texts": {"<id>": "<rewritten text>"}}, '
    "with exactly the ids you were given, each once, and no other keys."
)
QUESTIONS_PROMPT = (
    "Each text is a question to the learner: it must stay a question ending "
    "with '?', answerable by its fixed options (given for context only)."
)
SUMMARIES_PROMPT = "Each text is the summary of one step of the learner's roadmap."

# Linear-time patterns only: the reply is untrusted input.
_ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
_QUESTION_END = r"\?\s*$"
_BLANK = r"^\s*$"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


class PhrasingFailed(RuntimeError):
    """No usable reply within the budget; the caller keeps its own wording."""


@dataclass(frozen=True, slots=True)
class ModelUse:
    """A model whose text was used, as the server named it."""

    model: str
    system_fingerprint: str | None = None

    @property
    def label(self) -> str:
        if self.system_fingerprint:
            return f"{self.model} ({self.system_fingerprint})"
        return self.model


class _Failure(Exception):
    """An attempt that gave nothing usable; ``retry`` says if another may help."""

    def __init__(self, reason: str, *, retry: bool, drop_json_mode: bool = False):
        super().__init__(reason)
        self.reason, self.retry, self.drop_json_mode = reason, retry, drop_json_mode


class OpenAIPhraser:
    """A :class:`~planner.domain.Phraser` over an OpenAI-compatible chat API.

    ``name`` lists the models whose text was returned so far (empty until
    then); ``used_models`` holds them with their system fingerprints.
    ``budget_seconds`` (capped at 10) bounds each ``phrase_*`` call, retry
    included. ``client`` replaces the ``openai.OpenAI`` client (tests).
    """

    name: str

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        budget_seconds: float = MAX_BUDGET_SECONDS,
        max_items: int = MAX_ITEMS,
        client: openai.OpenAI | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if budget_seconds <= 0:
            raise ValueError("budget_seconds must be positive.")
        self.model = model
        self.budget_seconds = min(float(budget_seconds), MAX_BUDGET_SECONDS)
        self.max_items = max_items
        self.host = urlsplit(base_url).hostname or ""
        self.clock = clock
        self.name = ""
        self.used_models: tuple[ModelUse, ...] = ()
        self._json_mode = True
        self._client = client or openai.OpenAI(
            base_url=base_url,
            api_key=api_key or NO_API_KEY,
            timeout=self.budget_seconds,
            max_retries=0,  # retries are ours, inside the budget
        )
        self._log = logger.bind(llm_host=self.host, llm_model=model)

    def __repr__(self) -> str:
        return f"OpenAIPhraser(host={self.host!r}, model={self.model!r})"

    def phrase_questions(self, questions: Sequence[Question]) -> list[str]:
        items = [
            {"id": q.id, "text": q.text, "options": [o.label for o in q.options]}
            for q in questions
        ]
        return self._phrase("questions", items)

    def phrase_summaries(self, steps: Sequence[PlanStep]) -> list[str]:
        items = [{"id": s.topic, "text": step_summary(s)} for s in steps]
        return self._phrase("summaries", items)

    def as_record(self) -> dict[str, Any]:
        """What ``RoadmapVersion.model_versions`` stores: empty when no model
        text was used."""
        if not self.used_models:
            return {}
        return {
            "host": self.host,
            "requested_model": self.model,
            "models": [
                {"model": u.model, "system_fingerprint": u.system_fingerprint}
                for u in self.used_models
            ],
        }

    def _phrase(self, kind: str, items: list[dict[str, Any]]) -> list[str]:
        """One text per item, "" where the deterministic text must stay.

        Raises PhrasingFailed when no valid reply came within the budget.
        """
        if not items:
            return []
        started = self.clock()
        sent = items[: self.max_items]
        ids = [item["id"] for item in sent]
        if len(set(ids)) != len(ids):
            raise PhrasingFailed("duplicate ids")
        texts, used, attempts = self._request(kind, sent, started)
        source = {item["id"]: item["text"] for item in sent}
        kept = [t if _same_numbers(source[i], t) else "" for i, t in texts.items()]
        if any(kept):
            self._record(used)
        self._log.info(
            "llm_phrased",
            kind=kind,
            items=len(items),
            phrased=sum(1 for t in kept if t),
            attempts=attempts,
            model=used.model,
            system_fingerprint=used.system_fingerprint,
            elapsed_ms=round((self.clock() - started) * 1000),
        )
        return kept + [""] * (len(items) - len(sent))

    def _request(
        self, kind: str, items: list[dict[str, Any]], started: float
    ) -> tuple[dict[str, str], ModelUse, int]:
        """Up to two attempts inside the budget; the first valid reply wins."""
        deadline = started + self.budget_seconds
        ids = [item["id"] for item in items]
        messages = _messages(kind, items)
        schema = reply_schema(ids, questions=kind == "questions")
        json_mode, reason = self._json_mode, "budget spent"
        for attempt in range(1, MAX_ATTEMPTS + 1):
            remaining = deadline - self.clock()
            if remaining < MIN_ATTEMPT_SECONDS:
                break
            try:
                completion = self._complete(messages, json_mode, remaining)
                texts, used = _parse_reply(completion, schema, len(ids))
            except _Failure as failure:
                reason = failure.reason
                self._log.warning(
                    "llm_attempt_failed",
                    kind=kind,
                    attempt=attempt,
                    reason=reason,
                    json_mode=json_mode,
                    elapsed_ms=round((self.clock() - started) * 1000),
                )
                if not failure.retry:
                    break
                json_mode = json_mode and not failure.drop_json_mode
                continue
            self._json_mode = json_mode  # a server that refused it keeps refusing
            return {i: texts[i] for i in ids}, used, attempt
        self._log.warning(
            "llm_fallback",
            kind=kind,
            items=len(ids),
            reason=reason,
            elapsed_ms=round((self.clock() - started) * 1000),
        )
        raise PhrasingFailed(reason)

    def _complete(
        self, messages: list[dict[str, str]], json_mode: bool, seconds: float
    ) -> Any:
        """One chat completion, abandoned after ``seconds`` whatever happens."""
        extra: dict[str, Any] = {}
        if json_mode:
            extra["response_format"] = {"type": "json_object"}
        try:
            return call_within(
                seconds,
                lambda: self._client.chat.completions.create(
                    model=self.model, messages=messages, timeout=seconds, **extra
                ),
                name="llm-phraser",
            )
        except (Overtime, openai.APITimeoutError):
            raise _Failure("timeout", retry=False) from None
        except openai.APIStatusError as exc:
            raise _status_failure(exc.status_code, json_mode) from None
        except openai.APIConnectionError:
            raise _Failure("connection error", retry=True) from None
        except openai.APIError as exc:
            raise _Failure(f"bad response ({type(exc).__name__})", retry=True) from None

    def _record(self, used: ModelUse) -> None:
        if used not in self.used_models:
            self.used_models = (*self.used_models, used)
            self.name = "; ".join(u.label for u in self.used_models)


def _status_failure(status: int, json_mode: bool) -> _Failure:
    """Retry transient statuses; a 400/422 in JSON mode is retried without it."""
    if status in (400, 422) and json_mode:
        return _Failure(f"http {status} in json mode", retry=True, drop_json_mode=True)
    return _Failure(f"http {status}", retry=status in RETRY_STATUSES or status >= 500)


def _messages(kind: str, items: list[dict[str, Any]]) -> list[dict[str, str]]:
    task = QUESTIONS_PROMPT if kind == "questions" else SUMMARIES_PROMPT
    payload = json.dumps({"task": kind, "items": items}, ensure_ascii=False)
    return [
        {"role": "system", "content": f"{SYSTEM_PROMPT} {task}"},
        {"role": "user", "content": payload},
    ]


def reply_schema(ids: Sequence[str], *, questions: bool = False) -> dict[str, Any]:
    """The JSON schema of a reply: ``{"texts": {id: text}}``, exactly ``ids``."""
    text: dict[str, Any] = {
        "type": "string",
        "minLength": 1,
        "maxLength": PHRASE_MAX_CHARS,
        "pattern": _ONE_LINE,
        "not": {"pattern": _BLANK},
    }
    if questions:
        text["allOf"] = [{"pattern": _QUESTION_END}]
    return {
        "type": "object",
        "properties": {
            "texts": {
                "type": "object",
                "properties": dict.fromkeys(ids, text),
                "required": list(ids),
                "additionalProperties": False,
            }
        },
        "required": ["texts"],
        "additionalProperties": False,
    }


def _parse_reply(
    completion: Any, schema: Mapping[str, Any], count: int
) -> tuple[dict[str, str], ModelUse]:
    """The texts of a chat completion and the model that wrote them.

    Raises _Failure (retryable) for a missing, oversized, non-JSON or
    schema-violating reply.
    """
    try:
        content = completion.choices[0].message.content
        model = str(completion.model or "")[:MAX_MODEL_CHARS]
        fingerprint = getattr(completion, "system_fingerprint", None)
    except (AttributeError, IndexError, TypeError):
        raise _Failure("no choices in the reply", retry=True) from None
    if not isinstance(content, str) or not content.strip():
        raise _Failure("empty reply", retry=True)
    if len(content) > 2_000 + count * (6 * PHRASE_MAX_CHARS + 200):
        raise _Failure("reply too long", retry=True)
    try:
        data = json.loads(_json_object_text(content))
    except (ValueError, RecursionError):
        raise _Failure("reply is not JSON", retry=True) from None
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(data)
    )
    if error is not None:
        raise _Failure(f"schema: {error.validator} at {error.json_path}", retry=True)
    fingerprint = str(fingerprint)[:MAX_MODEL_CHARS] if fingerprint else None
    return data["texts"], ModelUse(model, fingerprint)


def _json_object_text(content: str) -> str:
    """The outermost ``{...}`` of a reply (without JSON mode, models add fences)."""
    start, end = content.find("{"), content.rfind("}")
    return content[start : end + 1] if 0 <= start < end else content


def _same_numbers(source: str, text: str) -> bool:
    """Hours, weeks and dates are facts: the rewording keeps exactly those."""
    return sorted(_NUMBER.findall(source)) == sorted(_NUMBER.findall(text))


def phraser_from_settings() -> OpenAIPhraser | None:
    """The configured phraser, or None when ``OPENAI_BASE_URL`` or ``LLM_MODEL``
    is unset (then the deterministic wording is used).

    ``LLM_BUDGET_SECONDS`` (default and maximum 10) bounds each phrasing call.
    """
    base_url = settings.OPENAI_BASE_URL.strip()
    model = settings.LLM_MODEL.strip()
    if not base_url or not model:
        return None
    return OpenAIPhraser(
        base_url=base_url,
        model=model,
        api_key=settings.OPENAI_API_KEY,
        budget_seconds=settings.LLM_BUDGET_SECONDS,
    )
