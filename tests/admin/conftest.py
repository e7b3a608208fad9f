"""Fixtures shared by the admin tests."""

from __future__ import annotations

import pytest

from tests.admin import curator_user


@pytest.fixture
def curator_client(client):
    """A client signed in as a member of the Curators group."""
    client.force_login(curator_user())
    return client
