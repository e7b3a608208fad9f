"""The public site answers from a fresh database."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_home_page_is_served_from_the_wagtail_tree(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Wayfinder</h1>" in html
    assert 'href="#main"' in html, "the skip link is missing"
    assert '<html lang="en">' in html


def test_the_admin_login_page_is_served(client):
    assert client.get("/admin/login/").status_code == 200
