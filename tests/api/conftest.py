"""Clients the catalog-write tests share: a curator and a learner, by API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog.groups import curators_group_ensure
from tests.factories import UserFactory


@pytest.fixture
def curator(db) -> APIClient:
    user = UserFactory(username="curator")
    user.groups.add(curators_group_ensure())
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def learner(db) -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(username="learner"))
    return client
