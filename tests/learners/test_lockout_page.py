"""The django-axes lockout answers in the site's layout (wayfinder/auth.py,
templates/learners/lockout.html): what happened, when to retry, how to
reset the password; a new password lifts the lock (learners/receivers.py).
The API keeps its JSON error (tests/api/test_lockout.py)."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail

import pytest
from axes.models import AccessAttempt

from catalog.groups import CURATORS_GROUP
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "a-new-password-for-wayfinder-42"
LOGIN = "/accounts/login/"


def _lock(client, email: str = "lin@example.org"):
    responses = [
        client.post(LOGIN, {"login": email, "password": "nope"})
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    return responses[-1]


def test_the_site_lockout_is_a_page_in_the_site_layout(client):
    UserFactory(email="lin@example.org")
    locked = _lock(client)
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("text/html")
    assert locked["Retry-After"] == str(settings.AXES_COOLOFF_TIME.seconds)
    assert locked["Cache-Control"] == "no-store"
    html = locked.content.decode()
    # The site's layout: its header, skip link, stylesheet, footer.
    assert 'class="site-header"' in html
    assert 'href="#main"' in html
    assert "css/site.css" in html
    assert html.count("<h1") == 1
    assert "<h1>Signing in is locked</h1>" in html
    # When to retry: the minutes and a time.
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"for {minutes} minutes" in html
    assert re.search(r'<time datetime="[^"]+">\d\d:\d\d \(\w+\)</time>', html)
    # How to get out: reset the password, or go back.
    assert 'href="/accounts/password/reset/"' in html
    assert "signing in works again at once" in html
    assert 'href="/accounts/login/"' in html


def test_a_new_password_lifts_the_lock(client):
    user = UserFactory(email="lin@example.org")
    _lock(client)
    assert AccessAttempt.objects.filter(username="lin@example.org").exists()
    client.post("/accounts/password/reset/", {"email": "lin@example.org"})
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body
    )
    landing = client.get(link.group(1), follow=True)
    form_url = landing.redirect_chain[-1][0]
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert not AccessAttempt.objects.filter(username="lin@example.org").exists()
    signed_in = client.post(
        LOGIN, {"login": "lin@example.org", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_without_a_new_password_the_lock_holds(client):
    UserFactory(email="lin@example.org")
    _lock(client)
    again = client.post(LOGIN, {"login": "lin@example.org", "password": PASSWORD})
    assert again.status_code == 429


def test_the_admin_lockout_offers_the_admins_own_reset(client):
    user = UserFactory(username="cai", email="cai@example.org")
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = client.post("/admin/login/", {"username": "cai", "password": "nope"})
    assert locked.status_code == 429
    html = locked.content.decode()
    assert 'class="site-header"' in html
    assert 'href="/admin/password_reset/"' in html
    assert "works again at once" not in html


def test_the_api_lockout_stays_json(client):
    UserFactory(username="acme", email="acme@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = client.post(
            "/api/v1/auth/token/",
            {"username": "acme", "password": "nope"},
            content_type="application/json",
        )
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"


def test_the_lockout_page_costs_few_queries(client, django_assert_max_num_queries):
    UserFactory(email="lin@example.org")
    _lock(client)
    with django_assert_max_num_queries(8):
        assert (
            client.post(
                LOGIN, {"login": "lin@example.org", "password": "x"}
            ).status_code
            == 429
        )
