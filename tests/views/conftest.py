import pytest
from django.test import Client


@pytest.fixture
def as_user(db):
    """A test client signed in as the given user."""

    def sign_in(user) -> Client:
        client = Client(HTTP_USER_AGENT="pytest-browser/1.0")
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def personas(alice, olivia, leo, ada):
    return {"alice": alice, "olivia": olivia, "leo": leo, "ada": ada}
