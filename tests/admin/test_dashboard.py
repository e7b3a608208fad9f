"""The curator dashboard: a catalog search box, and no call to gravatar."""

from __future__ import annotations

from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db


def test_the_dashboard_search_box_searches_the_catalog(curator_client):
    page = curator_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Search all pages" not in page
    resources = reverse("wagtailsnippets_catalog_resource:list")
    assert f'action="{resources}"' in page
    assert 'name="q"' in page and "Search resources in the catalog" in page


def test_no_admin_page_loads_an_avatar_from_gravatar(curator_client):
    # The curator has an email address, which gravatar would be asked about.
    for name in ("wagtailadmin_home", "wagtailadmin_account"):
        page = curator_client.get(reverse(name)).content.decode()
        assert "gravatar.com" not in page, name
