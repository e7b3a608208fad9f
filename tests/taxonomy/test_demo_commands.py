"""``make run``'s demo curator and the banner that repeats its sign-in."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

import pytest


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("DEMO_CURATOR_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_CURATOR_USERNAME", raising=False)
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_the_demo_curator_keeps_one_password_across_runs(var_dir):
    first, second = io.StringIO(), io.StringIO()
    call_command("demo_curator", stdout=first)
    call_command("demo_curator", stdout=second)
    password = (var_dir / "demo-curator.txt").read_text().strip()
    assert f"password {password!r}" in first.getvalue()
    assert "Demo curator ready" in second.getvalue()
    user = get_user_model().objects.get(username="curator")
    assert user.check_password(password)
    assert user.groups.filter(name="Curators").exists()


@pytest.mark.django_db(transaction=True)
def test_the_banner_prints_the_sign_in_once_the_server_answers(var_dir, live_server):
    call_command("demo_curator", stdout=io.StringIO())
    password = (var_dir / "demo-curator.txt").read_text().strip()
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "demo_banner",
        live_server.url,
        "--exit",
        "--timeout",
        "20",
        stdout=out,
        stderr=err,
    )
    banner = out.getvalue()
    assert f"Wayfinder is up:   {live_server.url}/" in banner
    assert f"curator / {password}" in banner
    assert err.getvalue() == ""


def test_the_banner_says_when_the_server_never_answered(var_dir):
    err = io.StringIO()
    call_command(
        "demo_banner",
        "http://127.0.0.1:9/",
        "--exit",
        "--timeout",
        "1",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "did not answer" in err.getvalue()
