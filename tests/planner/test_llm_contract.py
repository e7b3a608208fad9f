"""The LLM adapter against a loopback server speaking the chat-completions protocol.

The server is real HTTP on 127.0.0.1 (``ThreadingHTTPServer``): the ``openai``
client, its timeouts and our retry, budget and schema checks all run for real.
Questions and plans come from the pure pipeline over the hand-made catalog,
so ``apply_phraser`` is exercised end to end.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from planner.domain import apply_phraser, run_pipeline
from planner.llm import (
    MAX_BUDGET_SECONDS,
    ModelUse,
    OpenAIPhraser,
    phraser_from_settings,
)

from . import TODAY, profile_raw, python_graph

pytestmark = pytest.mark.contract

GRAPH = python_graph()
API_KEY = "sk-test-0123456789abcdef"
MODEL = "wf-test-model"
SERVED_MODEL = "wf-test-model-2025-01-01"
FINGERPRINT = "fp_test123"
PLAIN = run_pipeline(profile_raw(), GRAPH, today=TODAY)
ASKING_RAW = profile_raw(level="intermediate", goals="python-oop")
ASKING = run_pipeline(ASKING_RAW, GRAPH, today=TODAY)


# -- the loopback chat-completions server -------------------------------------
@dataclass
class Reply:
    """What the server answers: a status and a body, maybe late or trickling."""

    status: int = 200
    body: Any = None
    delay: float = 0.0
    trickle: bool = False


def completion(content: str) -> dict[str, Any]:
    """The chat-completions response shape, as OpenAI returns it."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_767_600_000,
        "model": SERVED_MODEL,
        "system_fingerprint": FINGERPRINT,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 50, "completion_tokens": 50, "total_tokens": 100},
    }


def error(status: int, message: str) -> Reply:
    return Reply(status, {"error": {"message": message, "type": "server_error"}})


def items_of(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The items the adapter sent, read back from the user message."""
    return json.loads(request["messages"][-1]["content"])["items"]


def reworded(request: dict[str, Any], edit: Callable | None = None) -> Reply:
    """A well-behaved model: every text reworded, every id kept."""
    texts = {}
    for item in items_of(request):
        prefix = "Quick check: " if "options" in item else "In short: "
        texts[item["id"]] = prefix + item["text"]
    if edit is not None:
        edit(texts)
    return Reply(body=completion(json.dumps({"texts": texts})))


class ChatServer:
    """A chat-completions endpoint on loopback, answering through ``answer``."""

    def __init__(self, answer: Callable[[dict[str, Any]], Reply]) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self.closing = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.chat = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r["json"] for r in self.requests]

    def close(self) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        chat: ChatServer = self.server.chat  # type: ignore[attr-defined]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        chat.requests.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "json": body,
            }
        )
        if self.path == "/v1/chat/completions":
            reply = chat.answer(body)
        else:
            reply = error(404, "not found")
        if reply.delay and chat.closing.wait(reply.delay):
            return
        data = (
            reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        ).encode()
        # The client may give up first, as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(reply, data, chat.closing)

    def _send(self, reply: Reply, data: bytes, closing: threading.Event) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not reply.trickle:
            self.wfile.write(data)
            return
        for index in range(len(data)):  # one byte every 0.2 s: no read ever times out
            self.wfile.write(data[index : index + 1])
            self.wfile.flush()
            if closing.wait(0.2):
                return

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[..., ChatServer]]:
    servers: list[ChatServer] = []

    def start(answer: Callable[[dict[str, Any]], Reply]) -> ChatServer:
        servers.append(ChatServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def configure(settings) -> Callable[..., OpenAIPhraser]:
    """Point the settings at a server and build the phraser from them."""

    def build(server: ChatServer, budget: float = 2.0) -> OpenAIPhraser:
        settings.OPENAI_BASE_URL = server.base_url
        settings.OPENAI_API_KEY = API_KEY
        settings.LLM_MODEL = MODEL
        settings.LLM_BUDGET_SECONDS = budget
        phraser = phraser_from_settings()
        assert phraser is not None
        return phraser

    return build


def plan_structure(plan) -> list[tuple]:
    return [
        (s.position, s.topic, s.kind, s.hours, s.start_date, s.end_date, s.resources)
        for s in plan.steps
    ]


# -- a good answer ------------------------------------------------------------
def test_a_good_answer_rewords_summaries_and_records_the_model(serve, configure):
    server = serve(reworded)
    phraser = configure(server)

    result = run_pipeline(profile_raw(), GRAPH, today=TODAY, phraser=phraser)

    assert [s.summary for s in result.plan.steps] == [
        f"In short: {s.summary}" for s in PLAIN.plan.steps
    ]
    assert plan_structure(result.plan) == plan_structure(PLAIN.plan)
    assert phraser.used_models == (ModelUse(SERVED_MODEL, FINGERPRINT),)
    assert phraser.name == f"{SERVED_MODEL} ({FINGERPRINT})"
    assert phraser.as_record() == {
        "host": "127.0.0.1",
        "requested_model": MODEL,
        "models": [{"model": SERVED_MODEL, "system_fingerprint": FINGERPRINT}],
    }

    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == f"Bearer {API_KEY}"
    body = request["json"]
    assert body["model"] == MODEL
    assert body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert [item["id"] for item in items_of(body)] == [
        s.topic for s in PLAIN.plan.steps
    ]
    assert [item["text"] for item in items_of(body)] == [
        s.summary for s in PLAIN.plan.steps
    ]


def test_a_good_answer_rewords_questions_but_not_ids_or_options(serve, configure):
    server = serve(reworded)
    phraser = configure(server)

    result = run_pipeline(ASKING_RAW, GRAPH, today=TODAY, phraser=phraser)

    [question], [plain] = result.questions, ASKING.questions
    assert question.text == f"Quick check: {plain.text}"
    assert (question.id, question.options, question.order) == (
        plain.id,
        plain.options,
        plain.order,
    )
    [item] = items_of(server.bodies[0])
    assert item == {
        "id": plain.id,
        "text": plain.text,
        "options": [o.label for o in plain.options],
    }


def test_a_reworded_text_that_changes_a_number_keeps_its_own_wording(serve, configure):
    first, second = PLAIN.plan.steps[:2]

    def four_to_five(texts: dict[str, str]) -> None:
        texts[first.topic] = texts[first.topic].replace("1 hour", "2 hours")

    phraser = configure(serve(lambda request: reworded(request, four_to_five)))

    _, plan, fallbacks = apply_phraser(phraser, (), PLAIN.plan)

    assert fallbacks == 1
    assert plan.steps[0].summary == first.summary
    assert plan.steps[1].summary == f"In short: {second.summary}"


# -- failures: always the deterministic wording -------------------------------
def test_malformed_json_falls_back_after_one_retry(serve, configure):
    server = serve(lambda _: Reply(body=completion('{"texts": {"python-setup": ')))
    phraser = configure(server)

    result = run_pipeline(profile_raw(), GRAPH, today=TODAY, phraser=phraser)

    assert result.plan == PLAIN.plan
    assert len(server.requests) == 2
    assert phraser.used_models == ()
    assert phraser.as_record() == {}


def test_a_server_error_is_retried_once_then_falls_back(serve, configure):
    server = serve(lambda _: error(500, "upstream exploded"))
    phraser = configure(server)

    result = run_pipeline(profile_raw(), GRAPH, today=TODAY, phraser=phraser)

    assert result.plan == PLAIN.plan
    assert len(server.requests) == 2
    assert server.bodies[0] == server.bodies[1]
    assert phraser.as_record() == {}


def test_questions_and_summaries_each_fall_back_on_their_own(serve, configure):
    server = serve(lambda _: error(500, "upstream exploded"))

    questions, plan, fallbacks = apply_phraser(
        configure(server), ASKING.questions, PLAIN.plan
    )

    assert (questions, plan) == (ASKING.questions, PLAIN.plan)
    assert fallbacks == len(ASKING.questions) + len(PLAIN.plan.steps)
    assert len(server.requests) == 4  # one retry per call


def test_a_server_error_then_a_good_answer_uses_the_retry(serve, configure):
    answers = iter([error(503, "busy")])
    server = serve(lambda request: next(answers, None) or reworded(request))

    _, plan, fallbacks = apply_phraser(configure(server), (), PLAIN.plan)

    assert fallbacks == 0
    assert plan.steps[0].summary.startswith("In short: ")
    assert len(server.requests) == 2


def test_a_slow_server_falls_back_within_the_budget(serve, configure):
    server = serve(lambda request: Reply(body=reworded(request).body, delay=5))
    phraser = configure(server, budget=1.0)

    started = time.monotonic()
    result = run_pipeline(profile_raw(), GRAPH, today=TODAY, phraser=phraser)
    elapsed = time.monotonic() - started

    assert result.plan == PLAIN.plan
    assert elapsed < 1.0 + 0.5
    assert len(server.requests) == 1  # the timeout used the budget: no retry


def test_a_trickling_server_cannot_stretch_the_budget(serve, configure):
    server = serve(lambda request: Reply(body=reworded(request).body, trickle=True))
    phraser = configure(server, budget=1.0)

    started = time.monotonic()
    _, plan, _ = apply_phraser(phraser, (), PLAIN.plan)

    assert time.monotonic() - started < 1.0 + 0.5
    assert plan == PLAIN.plan


def _extra_id(texts: dict) -> None:
    texts["python-extra-step"] = "In short: a step the planner never chose."


def _missing_id(texts: dict) -> None:
    texts.pop(next(iter(texts)))


def _renamed_id(texts: dict) -> None:
    first = next(iter(texts))
    texts["python-classes"] = texts.pop(first)


@pytest.mark.parametrize(
    "reply",
    [
        lambda r: reworded(r, _extra_id),
        lambda r: reworded(r, _missing_id),
        lambda r: reworded(r, _renamed_id),
        lambda r: Reply(
            body=completion(
                json.dumps(
                    {
                        "texts": json.loads(
                            reworded(r).body["choices"][0]["message"]["content"]
                        )["texts"],
                        "steps": ["python-classes", "python-setup"],
                    }
                )
            )
        ),
        lambda r: Reply(
            body=completion(
                json.dumps({"texts": {item["id"]: "x" * 401 for item in items_of(r)}})
            )
        ),
        lambda r: Reply(
            body=completion(json.dumps([item["id"] for item in items_of(r)]))
        ),
    ],
    ids=[
        "extra-id",
        "missing-id",
        "renamed-id",
        "extra-key",
        "too-long",
        "not-an-object",
    ],
)
def test_an_answer_that_changes_structure_is_rejected(serve, configure, reply):
    server = serve(reply)

    result = run_pipeline(profile_raw(), GRAPH, today=TODAY, phraser=configure(server))

    assert result.plan == PLAIN.plan
    assert len(server.requests) == 2


def test_a_question_must_stay_a_question(serve, configure):
    def statement(texts: dict[str, str]) -> None:
        for key in texts:
            texts[key] = "Loops are next."

    server = serve(lambda request: reworded(request, statement))

    result = run_pipeline(ASKING_RAW, GRAPH, today=TODAY, phraser=configure(server))

    assert result.questions == ASKING.questions


def test_a_server_refusing_json_mode_is_asked_again_without_it(serve, configure):
    def answer(request: dict[str, Any]) -> Reply:
        if "response_format" in request:
            return error(400, "response_format json_object is not supported")
        reply = reworded(request)
        content = reply.body["choices"][0]["message"]["content"]
        reply.body["choices"][0]["message"]["content"] = (
            f"Here you go:\n```json\n{content}\n```"
        )
        return reply

    server = serve(answer)
    phraser = configure(server)

    _, plan, fallbacks = apply_phraser(phraser, (), PLAIN.plan)
    apply_phraser(phraser, ASKING.questions)

    assert fallbacks == 0
    assert plan.steps[0].summary.startswith("In short: ")
    assert ["response_format" in body for body in server.bodies] == [
        True,
        False,
        False,  # remembered for the next call
    ]


def test_a_rejected_key_is_not_retried(serve, configure):
    server = serve(lambda _: error(401, "Incorrect API key provided"))

    _, plan, _ = apply_phraser(configure(server), (), PLAIN.plan)

    assert plan == PLAIN.plan
    assert len(server.requests) == 1


def test_the_api_key_is_never_logged(serve, configure, caplog):
    caplog.set_level(logging.DEBUG)
    for answer in (reworded, lambda _: error(500, "boom")):
        phraser = configure(serve(answer))
        apply_phraser(phraser, (), PLAIN.plan)
        assert API_KEY not in repr(phraser)

    assert any("llm_phrased" in str(r.msg) for r in caplog.records)
    assert any("llm_fallback" in str(r.msg) for r in caplog.records)
    for record in caplog.records:
        assert API_KEY not in f"{record.msg} {record.args} {record.__dict__}"


# -- configuration ------------------------------------------------------------
@pytest.mark.parametrize(
    ("base_url", "model"),
    [("", ""), ("", MODEL), ("http://127.0.0.1:9/v1", "")],
)
def test_without_an_llm_configured_the_wording_is_deterministic(
    settings, base_url, model
):
    settings.OPENAI_BASE_URL, settings.LLM_MODEL = base_url, model
    settings.OPENAI_API_KEY = API_KEY

    phraser = phraser_from_settings()

    assert phraser is None
    result = run_pipeline(profile_raw(), GRAPH, today=TODAY, phraser=phraser)
    assert result == PLAIN
    assert [s.phrased_summary for s in result.plan.steps] == [""] * len(
        PLAIN.plan.steps
    )


def test_the_budget_never_exceeds_ten_seconds():
    phraser = OpenAIPhraser(
        base_url="http://127.0.0.1:9/v1", model=MODEL, budget_seconds=600
    )
    assert phraser.budget_seconds == MAX_BUDGET_SECONDS == 10.0
    with pytest.raises(ValueError):
        OpenAIPhraser(base_url="http://127.0.0.1:9/v1", model=MODEL, budget_seconds=0)


def test_only_the_first_max_items_texts_are_sent(serve):
    server = serve(reworded)
    phraser = OpenAIPhraser(base_url=server.base_url, model=MODEL, max_items=2)

    _, plan, fallbacks = apply_phraser(phraser, (), PLAIN.plan)

    assert len(items_of(server.bodies[0])) == 2
    assert fallbacks == len(PLAIN.plan.steps) - 2
    assert [s.phrased_summary != "" for s in plan.steps] == [True, True] + [False] * (
        len(PLAIN.plan.steps) - 2
    )


@pytest.mark.django_db
def test_a_job_with_an_llm_records_the_model_and_keeps_the_structure(
    serve, configure, small_catalog, learner
):
    from datetime import date

    from planner.services import job_enqueue, job_execute, profile_submit

    from .conftest import TODAY_ISO, profile_raw

    def plan_of(roadmap):
        return [
            (
                s.position,
                s.topic_slug,
                s.hours,
                [r.resource_slug for r in s.resources.all()],
            )
            for s in roadmap.current.steps.order_by("position")
        ]

    today = date.fromisoformat(TODAY_ISO)
    plain = job_execute(
        job_id=job_enqueue(
            profile=profile_submit(owner=learner, raw=profile_raw(), today=today),
            actor=learner,
            enqueue=False,
        ).pk,
        worker_id="test",
    ).roadmap
    assert plain.current.model_versions == {"embeddings": "none"}

    server = serve(reworded)
    configure(server)
    phrased_profile = profile_submit(
        owner=learner, raw=profile_raw(weekly_hours=6), today=today
    )
    job = job_enqueue(profile=phrased_profile, actor=learner, enqueue=False)
    roadmap = job_execute(job_id=job.pk, worker_id="test").roadmap

    assert roadmap.current.model_versions["requested_model"] == MODEL
    assert roadmap.current.model_versions["models"][0]["model"].startswith(
        MODEL
    )  # the version answered
    assert roadmap.current.model_versions["phrased_steps"] > 0
    assert roadmap.current.steps.filter(summary__startswith="In short: ").exists()
    assert [(p, t, r) for p, t, _, r in plan_of(roadmap)] == [
        (p, t, r) for p, t, _, r in plan_of(plain)
    ]
