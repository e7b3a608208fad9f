"""The embeddings client against a loopback server speaking ``/v1/embeddings``.

Real HTTP on 127.0.0.1: the ``openai`` client, its timeouts and our retry,
budget and reply checks all run for real.
"""

from __future__ import annotations

import math
import time

import pytest

from embeddings.client import (
    EmbeddingsClient,
    EmbeddingsFailed,
    EmbeddingsNotConfigured,
    client_from_settings,
    model_label,
)

from .conftest import API_KEY, MODEL, Reply, error, reporting, vectors_reply

pytestmark = pytest.mark.contract


def client_for(server, budget: float = 10.0) -> EmbeddingsClient:
    # A budget no loaded CI machine runs out of on loopback (the first call
    # also builds the openai client); the budget test passes its own.
    return EmbeddingsClient(
        base_url=server.base_url, model=MODEL, api_key=API_KEY, budget_seconds=budget
    )


def test_one_unit_vector_per_text_in_input_order(serve):
    def shuffled(body):
        reply = vectors_reply(body)
        reply.body["data"].reverse()  # the index, not the position, says which
        return reply

    server = serve(shuffled)
    vectors = client_for(server).embed(["loops in python", "classes and objects"])

    assert len(vectors) == 2
    assert all(math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-5) for v in vectors)
    assert vectors[0] != vectors[1]
    (request,) = server.requests
    assert request["json"] == {
        "model": MODEL,
        "input": ["loops in python", "classes and objects"],
        "encoding_format": "float",
    }
    assert request["headers"]["authorization"] == f"Bearer {API_KEY}"


def test_the_settings_build_the_client(serve, configure, settings):
    server = serve()
    configure(server)
    client = client_from_settings()
    assert (client.model, client.budget_seconds) == (MODEL, 3.0)
    assert client_from_settings(query=True).budget_seconds == 2.0


def test_unconfigured_settings_refuse_to_build_a_client(settings):
    settings.EMBEDDINGS_MODEL = ""
    with pytest.raises(EmbeddingsNotConfigured, match="EMBEDDINGS_MODEL"):
        client_from_settings()


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_transient_failure_is_retried_once(serve, status):
    replies = [error(status)]

    def answer(body):
        return replies.pop() if replies else vectors_reply(body)

    server = serve(answer)
    assert len(client_for(server).embed(["loops"])) == 1
    assert len(server.requests) == 2


def test_a_server_that_keeps_failing_raises_after_two_attempts(serve):
    server = serve(lambda body: error(502))
    with pytest.raises(EmbeddingsFailed, match="http 502"):
        client_for(server).embed(["loops"])
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 404])
def test_a_refusal_is_not_retried(serve, status):
    server = serve(lambda body: error(status))
    with pytest.raises(EmbeddingsFailed, match=f"http {status}"):
        client_for(server).embed(["loops"])
    assert len(server.requests) == 1


def test_a_slow_server_fails_within_the_budget(serve):
    server = serve(lambda body: Reply(body=vectors_reply(body).body, delay=5))
    started = time.monotonic()
    with pytest.raises(EmbeddingsFailed, match="timeout"):
        client_for(server, budget=0.5).embed(["loops"])
    assert time.monotonic() - started < 3


def test_an_unreachable_server_fails(serve):
    server = serve()
    server.close()
    with pytest.raises(EmbeddingsFailed, match="connection error"):
        client_for(server).embed(["loops"])


def _body(data):
    return {"object": "list", "model": MODEL, "data": data}


def _item(index, embedding):
    return {"object": "embedding", "index": index, "embedding": embedding}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json at all", "not JSON"),
        ([1, 2, 3], "no vector per input"),
        (_body([]), "no vector per input"),
        (_body([_item(0, [1.0, 0.0])]), "no vector per input"),
        (_body([_item(0, [1.0, 0.0]), _item(0, [0.0, 1.0])]), "repeated index"),
        (_body([_item(0, [1.0, 0.0]), _item(5, [0.0, 1.0])]), "index"),
        (_body([_item(0, [1.0, 0.0]), _item(1, [0.0, 1.0, 0.0])]), "different sizes"),
        (_body([_item(0, [1.0, "x"]), _item(1, [0.0, 1.0])]), "non-numbers"),
        (_body([_item(0, [0.0, 0.0]), _item(1, [0.0, 1.0])]), "zero"),
        (_body([_item(0, "AAAA"), _item(1, [0.0, 1.0])]), "not a list"),
        (_body([_item(0, [1e39, 1.0]), _item(1, [0.0, 1.0])]), "overflowing"),
        (
            '{"data": [{"index": 0, "embedding": [NaN, 1]}, '
            '{"index": 1, "embedding": [0, 1]}]}',
            "non-numbers",
        ),
    ],
)
def test_malformed_replies_are_retried_then_refused(serve, body, reason):
    server = serve(lambda request: Reply(body=body))
    with pytest.raises(EmbeddingsFailed, match=reason):
        client_for(server).embed(["one", "two"])
    assert len(server.requests) == 2


# -- the model version the endpoint reports --------------------------------------------
@pytest.mark.parametrize(
    ("reported", "version"),
    [
        ("wf-embed-test-2026-11", "wf-embed-test-2026-11"),
        ("  wf-embed-test-2026-11 ", "wf-embed-test-2026-11"),
        (None, ""),
        (42, ""),
        ("x" * 101, ""),
    ],
)
def test_the_reply_names_the_version_that_served_it(serve, reported, version):
    server = serve(reporting(reported))
    reply = client_for(server).embed_reply(["loops", "classes"])
    assert reply.model_version == version
    assert len(reply.vectors) == 2


def test_a_reply_without_a_model_has_no_version(serve):
    def anonymous(body):
        reply = vectors_reply(body)
        del reply.body["model"]
        return reply

    assert client_for(serve(anonymous)).embed_reply(["loops"]).model_version == ""


def test_the_label_names_the_version_when_it_says_more_than_the_model():
    assert model_label(model=MODEL, version="") == MODEL
    assert model_label(model=MODEL, version=MODEL) == MODEL
    assert model_label(model=MODEL, version="wf-2") == f"{MODEL} (wf-2)"
