"""Consent evidence keeps IP address and user agent only CONSENT_NETWORK_DATA_DAYS; the
database allows exactly that change, and receipts and the audit chain verify after it."""

from datetime import timedelta

import orjson
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from governance.models import AuditEvent, ConsentEvent
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.privacy import consent_network_data_minimise
from governance.services.receipts import consent_receipt
from governance.services.scopes import Scope

FROM_THE_OFFICE = RequestContext(ip_address="203.0.113.7", user_agent="Mozilla/5.0 Firefox/140")


@pytest.fixture
def granted(alice, catalogue) -> ConsentEvent:
    scope = Scope(catalogue["purpose"], catalogue["applications"][0], catalogue["kinds"][0])
    return consent_grant(employee=alice.employee, scope=scope, actor=alice, context=FROM_THE_OFFICE)


def days_later(days: int):
    return timezone.now() + timedelta(days=days)


def verify_with_command(receipt: dict, tmp_path, capsys) -> str:
    path = tmp_path / "receipt.json"
    path.write_bytes(orjson.dumps(receipt))
    call_command("receipt_verify", str(path))
    return capsys.readouterr().out


def test_network_data_goes_after_a_year_and_the_receipt_stays_the_same(
    granted, tmp_path, capsys, settings
):
    assert settings.CONSENT_NETWORK_DATA_DAYS == 365
    receipt = consent_receipt(granted)

    assert consent_network_data_minimise(now=days_later(364)) == 0
    granted.refresh_from_db()
    assert (granted.ip_address, granted.user_agent) == ("203.0.113.7", FROM_THE_OFFICE.user_agent)

    assert consent_network_data_minimise(now=days_later(366)) == 1

    granted.refresh_from_db()
    assert (granted.ip_address, granted.user_agent) == (None, "")
    assert granted.actor_label == "alice@example.com"  # the rest is as it was
    # Receipts are built from the kept columns: the same document, the same signature.
    assert consent_receipt(granted) == receipt
    assert "ok: consent receipt signature verifies" in verify_with_command(
        receipt, tmp_path, capsys
    )
    audit = AuditEvent.objects.get(action="consent.network_data_minimised")
    assert audit.details["events"] == 1 and audit.actor_label == "system"
    call_command("audit_verify")
    assert "ok:" in capsys.readouterr().out
    # Twice is once.
    assert consent_network_data_minimise(now=days_later(366)) == 0
    assert AuditEvent.objects.filter(action="consent.network_data_minimised").count() == 1


def test_only_events_past_the_setting_are_minimised(alice, catalogue, granted, settings):
    settings.CONSENT_NETWORK_DATA_DAYS = 0
    scope = Scope(catalogue["purpose"], catalogue["applications"][0], catalogue["kinds"][0])
    withdrawn = consent_withdraw(
        employee=alice.employee, scope=scope, actor=alice, context=FROM_THE_OFFICE
    )

    assert consent_network_data_minimise(now=withdrawn.occurred_at) == 1

    granted.refresh_from_db()
    withdrawn.refresh_from_db()
    assert granted.ip_address is None and withdrawn.ip_address == "203.0.113.7"


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE governance_consentevent SET ip_address = '198.51.100.1', user_agent = ''",
        "UPDATE governance_consentevent SET ip_address = NULL, user_agent = 'curl'",
        "UPDATE governance_consentevent SET ip_address = NULL, user_agent = '', action = 'withdrawn'",
        "UPDATE governance_consentevent SET ip_address = NULL, user_agent = '', actor_label = 'x'",
        "UPDATE governance_consentevent SET notice_hash = 'forged'",
        "DELETE FROM governance_consentevent",
    ],
)
def test_the_database_refuses_every_other_change_to_consent_evidence(granted, change):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(change)
    granted.refresh_from_db()
    assert granted.ip_address == "203.0.113.7" and granted.action == "granted"


def test_a_minimised_event_cannot_even_be_rewritten_as_it_is(granted):
    assert consent_network_data_minimise(now=days_later(366)) == 1
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE governance_consentevent SET ip_address = NULL, user_agent = ''")


def test_the_database_allows_the_actor_label_to_become_the_persons_pseudonym(granted, alice):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE governance_consentevent SET ip_address = NULL, user_agent = '', "
            "actor_label = %s WHERE id = %s",
            [alice.employee.subject_id, granted.pk],
        )
    granted.refresh_from_db()
    assert granted.actor_label == alice.employee.subject_id
