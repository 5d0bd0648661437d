"""A day of alice's capture, posted through the real ingest endpoint.

The capture fixtures (a device token, alice's consents in VS Code) come from
tests/conftest.py, so these tests feed the summaries exactly as capture clients do.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client

from governance.models import SafeguardRule
from governance.stores.sessions import sessions_refresh_pending
from tests.ingestion.helpers import batch, event, post, stamp

TODAY = datetime.combine(datetime.now(UTC).date(), time(0, 1), tzinfo=UTC)
TWO_DAYS_AGO = TODAY - timedelta(days=2) + timedelta(hours=9)
TYPED = "mail me at a.b@example.com"


def keys(text: str, base: datetime, session_id: str, start_ms: int = 0) -> list[dict]:
    return [
        event(
            key={"code": f"Key{ch.upper()}" if ch.isalpha() else "Other", "char": ch},
            ts=stamp(start_ms + i * 120, base),
            session_id=session_id,
        )
        for i, ch in enumerate(text)
    ]


@pytest.fixture
def recorded(client, token, alice_consents_all, bob, redaction_rules):
    """Two sessions of alice in VS Code on two days, and events of hers and bob's refused
    for every reason they can have (tallied per device, so on no one's page).

    Returns what the endpoint answered, plus what was posted for alice alone.
    """
    SafeguardRule.objects.create(kind="window_title_pattern", name="bank", pattern=r"(?i)\bbank\b")
    older = [
        *keys("hello", TWO_DAYS_AGO, "s-old"),
        event(type="scroll", ts=stamp(1000, TWO_DAYS_AGO), session_id="s-old"),
        event(type="pointer_down", ts=stamp(1500, TWO_DAYS_AGO), session_id="s-old"),
    ]
    today = [
        event(type="window_focus", ts=stamp(0, TODAY)),
        *keys(TYPED, TODAY, "s-1", start_ms=100),
        event(type="scroll", ts=stamp(4000, TODAY)),
        event(type="pointer_move", ts=stamp(4100, TODAY)),
        event(type="menu_select", ts=stamp(4200, TODAY)),
        # Not stored: no consent for Calc, an unknown app, an excluded window, bob.
        event(app="soffice.bin", ts=stamp(4300, TODAY)),
        event(app="soffice.bin", type="scroll", ts=stamp(4400, TODAY)),
        event(app="no-such-app", ts=stamp(4500, TODAY)),
        event(window_title="My Bank - Firefox", ts=stamp(4600, TODAY)),
        *[event(employee="bob@example.com", ts=stamp(4700 + i, TODAY)) for i in range(3)],
    ]
    answers = []
    for events in (older, today):
        response = post(client, token, batch(events))
        assert response.status_code == 200, response.content
        answers.append(response.json())
    sessions_refresh_pending()
    return {
        "answers": answers,
        "accepted": sum(a["accepted"] for a in answers),
        "redacted": sum(a["redacted"] for a in answers),
        "refused": {"no_consent": 5, "unknown_app": 1, "excluded_window": 1},
        "last": TODAY + timedelta(milliseconds=4200),
    }


@pytest.fixture
def browser_as(db):
    """browser_as(user) -> a plain test client signed in as that user, for the pages."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in
