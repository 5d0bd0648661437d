"""The audit log is append-only in the database and verifiable by recomputation."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from governance.models import AuditEvent, ConsentEvent
from governance.services.audit import GENESIS_HASH, audit_record, audit_verify
from governance.services.consent import RequestContext, consent_grant


@pytest.fixture
def chain(alice, scope):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=RequestContext())
    for n in range(3):
        audit_record(actor=alice, action="test.event", details={"n": n, "nested": {"b": 1, "a": 2}})
    return AuditEvent.objects.order_by("seq")


def test_chain_links_each_event_to_the_previous(chain):
    events = list(chain)
    assert events[0].seq == 1 and events[0].prev_hash == GENESIS_HASH
    for prev, event in zip(events, events[1:], strict=False):
        assert event.seq == prev.seq + 1
        assert event.prev_hash == prev.hash
    result = audit_verify()
    assert result.ok and result.count == len(events) and result.head_hash == events[-1].hash


@pytest.mark.parametrize("table", ["governance_auditevent", "governance_consentevent"])
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET id = id", "DELETE FROM {table}", "TRUNCATE {table} CASCADE"],
)
def test_evidence_tables_refuse_update_delete_truncate(chain, table, statement):
    sql = statement.format(table=table).replace("SET id = id", _noop_set(table))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Deferred foreign-key checks from this test's inserts would block TRUNCATE first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
    assert AuditEvent.objects.count() == chain.count()
    assert ConsentEvent.objects.count() == 1


def _noop_set(table):
    return "SET seq = seq" if table == "governance_auditevent" else "SET id = id"


def test_orm_delete_of_an_audit_event_is_refused(chain):
    with pytest.raises(DatabaseError), transaction.atomic():
        chain.first().delete()


def _tamper(sql, params):
    """What someone with superuser rights could do: switch the triggers off and edit."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE governance_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE governance_auditevent ENABLE TRIGGER USER")


def test_verify_finds_the_first_altered_row(chain):
    target = chain[2]
    _tamper(
        "UPDATE governance_auditevent SET details = %s::jsonb WHERE seq = %s",
        ['{"n": 99}', target.seq],
    )
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == target.seq
    assert result.count == target.seq - 1


def test_verify_finds_a_deleted_row(chain):
    _tamper("DELETE FROM governance_auditevent WHERE seq = %s", [2])
    result = audit_verify()
    assert not result.ok and result.first_bad_seq == 2


def test_verify_finds_a_rehashed_row_by_the_broken_link_after_it(chain):
    """Recomputing one row's hash does not help: the next row's prev_hash exposes it."""
    from governance.services.audit import audit_hash

    target = AuditEvent.objects.get(seq=2)
    target.action = "forged"
    forged_hash = audit_hash(target)
    _tamper(
        "UPDATE governance_auditevent SET action = 'forged', hash = %s WHERE seq = 2",
        [forged_hash],
    )
    result = audit_verify()
    assert not result.ok and result.first_bad_seq == 3


def test_audit_verify_command_prints_ok_and_count(chain, capsys):
    call_command("audit_verify")
    assert f"ok: {chain.count()} audit events verified" in capsys.readouterr().out


def test_audit_verify_command_fails_with_the_bad_seq(chain):
    _tamper("UPDATE governance_auditevent SET actor_label = 'mallory' WHERE seq = %s", [3])
    with pytest.raises(CommandError, match="seq 3"):
        call_command("audit_verify")


def test_failed_change_leaves_no_audit_row(alice, scope):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=alice, action="test.rolled_back")
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == before


def test_audits_last_writes_the_block_s_events_at_its_end_in_order(alice):
    from governance.services.audit import audits_last

    head = AuditEvent.objects.count()  # alice's creation is audited; the chain has no gaps
    with transaction.atomic(), audits_last():
        first = audit_record(actor=alice, action="test.first")
        second = audit_record(actor=alice, action="test.second")
        assert AuditEvent.objects.count() == head  # nothing locked or written yet
    assert (first.seq, second.seq) == (head + 1, head + 2)
    written = AuditEvent.objects.filter(seq__gt=head).order_by("seq")
    assert list(written.values_list("action", flat=True)) == ["test.first", "test.second"]
    assert audit_verify().ok


def test_audits_last_writes_nothing_when_its_block_fails(alice):
    from governance.services.audit import audits_last

    head = AuditEvent.objects.count()  # alice's creation is audited; the chain has no gaps
    with pytest.raises(RuntimeError), transaction.atomic(), audits_last():
        audit_record(actor=alice, action="test.lost")
        raise RuntimeError("the change fails")
    audit_record(actor=alice, action="test.next")
    written = AuditEvent.objects.filter(seq__gt=head)
    assert list(written.values_list("seq", "action")) == [(head + 1, "test.next")]
