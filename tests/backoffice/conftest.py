"""The back office's tests share one logged-in officer (a module may define its own)."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from tests.support import login, make_user


@pytest.fixture
def officer(client):
    """An officer, logged in on `client`."""
    user = make_user("officer@flanders.example", Role.OFFICER)
    login(client, user.email)
    return user
