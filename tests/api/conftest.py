"""Helpers for the API tests: signed-in clients and counts of everything the API writes."""

import pytest
from rest_framework.test import APIClient

from governance.models import (
    Application,
    AuditEvent,
    CaptureDevice,
    ConsentEvent,
    ConsentState,
    Notice,
    OwedErasure,
    Purpose,
    SafeguardRule,
)

WRITTEN = (
    AuditEvent,
    ConsentEvent,
    ConsentState,
    OwedErasure,
    Notice,
    CaptureDevice,
    Application,
    Purpose,
    SafeguardRule,
)


def written() -> dict[str, int]:
    """Row counts of every table an API call could write to."""
    return {model.__name__: model.objects.count() for model in WRITTEN}


@pytest.fixture
def client_as():
    """client_as(user) -> an APIClient signed in as that user; client_as(None) is anonymous."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make
