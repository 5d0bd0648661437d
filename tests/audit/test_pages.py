"""The audit log page: filters, paging and chain verification."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import AuditEvent, ConsentMethod
from governance.services.consent import RequestContext, consent_grant


def test_audit_log_lists_and_filters_events(as_user, leo, alice, bob, scope):
    for person in (alice, bob):
        consent_grant(
            employee=person.employee,
            scope=scope,
            actor=person,
            context=RequestContext(method=ConsentMethod.WEB),
        )
    client = as_user(leo)
    everything = client.get("/audit/").content.decode()
    assert 'data-action="notice.published"' in everything
    assert everything.count('data-action="consent.granted"') == 2

    consent_only = client.get("/audit/", {"action": "consent."}).content.decode()
    assert 'data-action="notice.published"' not in consent_only
    assert consent_only.count('data-action="consent.granted"') == 2

    subject = alice.employee.subject_id
    alices = client.get("/audit/", {"subject": subject}).content.decode()
    assert alices.count('data-action="consent.granted"') == 1


def test_audit_log_pages_by_fifty_with_a_keyset(as_user, olivia, catalogue):
    import re

    from governance.services.audit import audit_record

    for i in range(60):
        audit_record(actor=olivia, action="test.filler", details={"i": i})
    client = as_user(olivia)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/audit/", {"action": "test."}).content.decode()
    assert first.count('data-action="test.filler"') == 50
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert "← Newer" not in first
    older = re.search(r'href="\?([^"]*before=\d+[^"]*)" rel="next"', first).group(1)
    assert "action=test." in older  # the next-page link keeps the filter
    second = client.get("/audit/?" + older.replace("&amp;", "&")).content.decode()
    assert second.count('data-action="test.filler"') == 10
    assert "Older →" not in second
    newer = re.search(r'href="\?([^"]*after=\d+[^"]*)" rel="prev"', second).group(1)
    back = client.get("/audit/?" + newer.replace("&amp;", "&")).content.decode()
    assert re.findall(r'data-seq="(\d+)"', back) == re.findall(r'data-seq="(\d+)"', first)


def test_audit_log_ignores_a_cursor_that_is_not_a_number(as_user, olivia, catalogue):
    response = as_user(olivia).get("/audit/", {"before": "abc"})
    assert response.status_code == 200
    assert 'data-action="notice.published"' in response.content.decode()


def test_verify_chain_reports_ok_with_the_count(as_user, olivia, catalogue):
    count = AuditEvent.objects.count()
    response = as_user(olivia).post("/audit/")
    body = response.content.decode()
    assert 'data-testid="verification" data-ok="true"' in body
    assert f"All {count} events" in body


def test_verify_chain_reports_the_first_altered_event(as_user, olivia, catalogue):
    victim = AuditEvent.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE governance_auditevent SET action = 'forged' WHERE seq = %s", [victim.seq]
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    body = as_user(olivia).post("/audit/").content.decode()
    assert 'data-testid="verification" data-ok="false"' in body
    assert f"Chain broken at #{victim.seq}:" in body
    assert "hash does not match contents" in body
