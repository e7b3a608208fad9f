"""Accounts through django-allauth: sign up, sign in by email, wrong
passwords and the django-axes lockout, sign out, password change and reset,
the header for each kind of visitor, and learners kept out of the admin."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
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


def _signed_in_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def _header(html: str) -> str:
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def test_sign_up_creates_the_user_signs_in_and_lands_on_my_roadmaps(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "Ada@Example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/roadmaps/"
    user = get_user_model().objects.get(email__iexact="ada@example.org")
    assert user.username  # filled in by allauth; nobody had to pick one
    assert _signed_in_id(client) == str(user.pk)
    # Verification is optional: an email goes out, signing in does not wait.
    assert len(mail.outbox) == 1
    assert "ada@example.org" in mail.outbox[0].to[0].lower()


def test_sign_up_with_a_taken_email_or_mismatched_passwords_shows_field_errors(
    client,
):
    UserFactory(email="taken@example.org")
    response = client.post(
        "/accounts/signup/",
        {"email": "taken@example.org", "password1": PASSWORD, "password2": "other"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert 'aria-describedby="id_email_error"' in html or (
        'aria-describedby="id_email_helptext id_email_error"' in html
    )
    assert 'aria-invalid="true"' in html
    assert get_user_model().objects.filter(email="taken@example.org").count() == 1
    assert _signed_in_id(client) is None


def test_sign_in_by_email_honours_next(client):
    user = UserFactory(email="lin@example.org")
    response = client.post(
        LOGIN, {"login": "LIN@example.org", "password": PASSWORD, "next": "/search/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/search/"
    assert _signed_in_id(client) == str(user.pk)


def test_sign_in_refuses_an_outside_next(client):
    UserFactory(email="lin@example.org")
    response = client.post(
        LOGIN,
        {
            "login": "lin@example.org",
            "password": PASSWORD,
            "next": "https://evil.test/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/roadmaps/"


def test_a_wrong_password_says_so_and_does_not_sign_in(client):
    UserFactory(email="lin@example.org")
    response = client.post(LOGIN, {"login": "lin@example.org", "password": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The email address and/or password you specified are not correct." in html
    assert 'role="alert"' in html
    assert _signed_in_id(client) is None


def test_repeated_failures_lock_signing_in_with_a_page_not_an_error(client):
    UserFactory(email="lin@example.org")
    statuses = [
        client.post(LOGIN, {"login": "lin@example.org", "password": "nope"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    # Locked: even the right password is refused, with the lockout page.
    response = client.post(LOGIN, {"login": "lin@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Signing in is locked" in response.content.decode()
    assert response["Retry-After"]
    assert _signed_in_id(client) is None
    # Counted for the address, whatever its case.
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "lin@example.org"


def test_a_lockout_on_one_account_leaves_another_free(client):
    UserFactory(email="lin@example.org")
    other = UserFactory(email="max@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"login": "lin@example.org", "password": "nope"})
    response = client.post(LOGIN, {"login": "max@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in_id(client) == str(other.pk)


def test_sign_out_asks_on_get_and_signs_out_on_post(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    assert _signed_in_id(client) == str(user.pk)
    assert 'method="post"' in page.content.decode()
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_id(client) is None


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    wrong = client.post(
        "/accounts/password/change/",
        {"oldpassword": "nope", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert 'id="id_oldpassword_error"' in wrong.content.decode()
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    assert "Password successfully changed." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Still signed in after the change.
    assert _signed_in_id(client) == str(user.pk)


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="lin@example.org")
    response = client.post("/accounts/password/reset/", {"email": "lin@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lin@example.org"]
    assert message.subject.startswith("[Wayfinder]")
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body
    )
    assert link, message.body
    # allauth moves the key into the session and redirects to a key-free URL.
    landing = client.get(link.group(1), follow=True)
    assert landing.status_code == 200
    form_url = landing.redirect_chain[-1][0]
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link is spent.
    again = client.get(link.group(1), follow=True)
    assert "Bad Token" in again.content.decode() or "invalid" in (
        again.content.decode().lower()
    )


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "who@example.org"})
    assert response.status_code == 302
    # Whether to tell the stranger is allauth's choice; no account is named.
    assert all("who@example.org" in m.to for m in mail.outbox)


def test_header_for_an_anonymous_visitor(client):
    header = _header(client.get("/search/").content.decode())
    assert 'href="/accounts/login/"' in header
    assert 'href="/accounts/signup/"' in header
    assert "/admin/login/" not in header
    assert "Sign out" not in header
    assert "My roadmaps" not in header


def test_header_for_a_learner(client):
    user = UserFactory(first_name="Ada", email="ada@example.org")
    client.force_login(user)
    header = _header(client.get("/search/").content.decode())
    assert "Ada" in header
    assert "My roadmaps" in header
    assert 'href="/accounts/"' in header
    assert 'action="/accounts/logout/"' in header
    assert "Sign out" in header
    assert "Curator admin" not in header
    assert "Sign in" not in header


def test_header_names_a_learner_without_a_first_name_by_email(client):
    client.force_login(UserFactory(first_name="", email="noname@example.org"))
    assert "noname@example.org" in _header(client.get("/search/").content.decode())


def test_header_for_a_curator_adds_the_admin(client):
    user = UserFactory(first_name="Cai")
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    client.force_login(user)
    header = _header(client.get("/search/").content.decode())
    assert 'href="/admin/"' in header
    assert "Curator admin" in header
    assert "Sign out" in header


def test_a_learner_is_not_shown_the_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    # Sent to their roadmaps (tests/wayfinder/test_admin_access.py).
    assert response["Location"] == "/roadmaps/"
    assert 'class="w-dashboard' not in response.content.decode()


def test_curators_still_sign_in_at_the_admin_login(client):
    user = UserFactory(username="cai", email="cai@example.org")
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    response = client.post(
        "/admin/login/", {"username": "cai", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_login_required_pages_send_anonymous_visitors_to_the_site_sign_in(client):
    response = client.get("/roadmaps/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/roadmaps/"


@pytest.mark.parametrize(
    "url", [LOGIN, "/accounts/signup/", "/accounts/password/reset/"]
)
def test_account_pages_have_one_h1_labelled_fields_and_the_site_layout(client, url):
    html = client.get(url).content.decode()
    assert html.count("<h1") == 1
    assert '<header class="site-header">' in html
    for field_id in re.findall(
        r'<input[^>]*type="(?:email|password|text)"[^>]*id="([^"]+)"', html
    ):
        assert f'for="{field_id}"' in html


def test_the_sign_in_page_costs_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        assert client.get(LOGIN).status_code == 200
    user = UserFactory(email="lin@example.org")
    client.force_login(user)
    # Signed in, the header reads the user and the admin permission.
    with django_assert_max_num_queries(6):
        assert client.get(LOGIN).status_code in (200, 302)
