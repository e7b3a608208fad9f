"""X-Request-ID: accepted or generated, echoed, and on every log line."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from wayfinder.logging import build_logging_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log_lines():
    """Send the root logger's records through the production JSON formatter."""
    config = build_logging_config(fmt="json", level="INFO")
    formatter = logging.config.DictConfigurator(config).configure_formatter(
        config["formatters"]["structured"]
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


def test_a_client_request_id_is_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.DEF")
    assert response["X-Request-ID"] == "abc-123.DEF"


def test_a_missing_request_id_is_generated(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize("bad", ["has space", "x" * 200, "new\nline", "<script>"])
def test_an_unsafe_request_id_is_replaced(client, bad):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_every_log_line_of_a_request_carries_its_id(client, json_log_lines):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-42")
    lines = json_log_lines()
    ours = [line for line in lines if line.get("event") == "request_finished"]
    foreign = [line for line in lines if line.get("logger") == "django.request"]
    assert ours and foreign, lines
    assert {line["request_id"] for line in ours + foreign} == {"req-42"}
    assert ours[0]["status"] == 404


def test_the_request_id_does_not_leak_into_the_next_request(client, json_log_lines):
    client.get("/healthz", HTTP_X_REQUEST_ID="first-request")
    client.get("/healthz", HTTP_X_REQUEST_ID="second-request")
    ids = [line["request_id"] for line in json_log_lines() if "request_id" in line]
    assert ids == ["first-request", "second-request"]
