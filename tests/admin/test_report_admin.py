"""The health report in the admin: its own page and the dashboard panel."""

from __future__ import annotations

from django.urls import reverse

import pytest

from catalog.models import Provider, Resource, ResourceLink
from taxonomy.enums import LinkHealth
from taxonomy.models import Topic
from tests.admin import snippet_url
from tests.factories import ProviderFactory, ResourceFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def problems() -> dict[str, object]:
    """An orphan, thin topic with no resource; a resource covering nothing, broken."""
    topic = TopicFactory(slug="loops", name="Loops")
    provider = ProviderFactory(slug="acme", name="Acme")
    resource = ResourceFactory(slug="lonely", title="Lonely", provider=provider)
    ResourceLink.objects.filter(resource=resource).update(
        healthy=False, last_status=410, last_error="HTTP 410 Gone"
    )
    Resource.objects.filter(pk=resource.pk).update(link_health=LinkHealth.BROKEN)
    return {"topic": topic, "resource": resource, "provider": provider}


def test_report_view_lists_problems_with_edit_links(curator_client, problems) -> None:
    response = curator_client.get(reverse("catalog_admin:health"))

    content = response.content.decode()
    topic_edit = snippet_url(Topic, "edit", problems["topic"].pk)
    resource_edit = snippet_url(Resource, "edit", problems["resource"].pk)
    assert response.status_code == 200
    assert 'id="thin_topics"' in content and 'id="orphan_topics"' in content
    assert f'<a href="{topic_edit}">Loops</a>' in content
    assert f'<a href="{resource_edit}">Lonely</a>' in content
    assert snippet_url(Provider, "edit", problems["provider"].pk) in content
    assert "HTTP 410 Gone" in content
    assert '<th scope="col">Topic</th>' in content
    assert "?link_health=broken" in content


def test_dashboard_panel_shows_counts_linking_to_the_report(
    curator_client, problems
) -> None:
    response = curator_client.get(reverse("wagtailadmin_home"))

    content = response.content.decode()
    report_url = reverse("catalog_admin:health")
    assert response.status_code == 200
    assert "Catalog health" in content
    assert (
        f'<a href="{report_url}#orphan_topics">Topics no track reaches</a>' in content
    )
    assert f'<a href="{report_url}#broken_links">Broken links</a>' in content
    assert "problems to look at" in content
