"""Learners who open the Wagtail admin are sent to My roadmaps with a
message; curators, staff and anonymous visitors see the admin as before
(wayfinder/admin_access.py). The message is rendered by base.html."""

from __future__ import annotations

import re

from django.contrib.auth.models import Group

import pytest

from catalog.groups import CURATORS_GROUP
from tests.factories import UserFactory
from wayfinder.admin_access import LEARNER_IN_ADMIN_MESSAGE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/admin/", "/admin/snippets/", "/admin/pages/"])
def test_a_learner_opening_the_admin_lands_on_their_roadmaps(client, path):
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/roadmaps/"


def test_the_dashboard_then_says_why_in_a_dismissible_status_message(client):
    client.force_login(UserFactory())
    page = client.get("/admin/", follow=True)
    assert page.redirect_chain == [("/roadmaps/", 302)]
    html = page.content.decode()
    region = re.search(
        r'<div class="flash-messages" role="status">(.*?)</div>\s*</div>', html, re.S
    )
    assert region, "no role=status messages region"
    assert LEARNER_IN_ADMIN_MESSAGE in region.group(1)
    # Dismiss works without JavaScript: a checkbox and its visible label.
    box = re.search(
        r'<input type="checkbox" class="flash-dismiss[^"]*" id="([^"]+)">',
        region.group(1),
    )
    assert (
        box
        and f'<label for="{box.group(1)}" class="flash-close">Dismiss'
        in region.group(1)
    )
    # Shown once: the next page has no message.
    assert LEARNER_IN_ADMIN_MESSAGE not in client.get("/roadmaps/").content.decode()


def test_a_learner_is_never_shown_an_admin_page(client):
    client.force_login(UserFactory())
    page = client.get("/admin/", follow=True)
    assert "wagtail" not in page.redirect_chain[-1][0]
    assert "You do not have permission to access the admin" not in page.content.decode()
    assert 'class="w-dashboard' not in page.content.decode()


def test_a_curator_still_reaches_the_admin(client):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    client.force_login(user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("kind", ["superuser", "staff"])
def test_staff_and_superusers_are_left_to_the_admin(client, kind):
    user = UserFactory(is_staff=True, is_superuser=kind == "superuser")
    client.force_login(user)
    response = client.get("/admin/")
    if kind == "superuser":
        assert response.status_code == 200
    else:
        # Staff without the admin permission: Wagtail's own answer, not ours.
        assert response["Location"] != "/roadmaps/"


def test_anonymous_visitors_get_the_admin_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
