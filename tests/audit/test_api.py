"""The audit log and its verification, for officers and legal."""

from django.db import connection

from governance.models import AuditEvent
from governance.services.consent import RequestContext, consent_grant
from governance.services.devices import device_create


def test_audit_log_filters_by_action_prefix_subject_and_actor(
    client_as, leo, olivia, alice, bob, scope
):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=RequestContext())
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())
    device_create(name="laptop", actor=olivia)
    client = client_as(leo)

    consent = client.get("/api/v1/audit/events?action=consent.").json()["results"]
    about_bob = client.get(f"/api/v1/audit/events?subject={bob.employee.subject_id}").json()
    by_olivia = client.get(f"/api/v1/audit/events?actor_id={olivia.pk}").json()["results"]

    assert [e["action"] for e in consent] == ["consent.granted", "consent.granted"]
    assert [e["actor_id"] for e in about_bob["results"]] == [str(bob.pk)]
    assert {e["action"] for e in by_olivia} >= {"device.created", "notice.published"}
    assert all(e["actor_id"] == str(olivia.pk) for e in by_olivia)


def test_audit_log_pages_newest_first_with_a_cursor(client_as, olivia, catalogue):
    for i in range(5):
        device_create(name=f"laptop-{i}", actor=olivia)
    client = client_as(olivia)
    every_seq = list(AuditEvent.objects.order_by("-seq").values_list("seq", flat=True))

    seen, url = [], "/api/v1/audit/events?page_size=2"
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 2
        seen += [e["seq"] for e in page["results"]]
        url = page["next"]

    assert seen == every_seq
    assert len(every_seq) > 2


def test_verify_reports_an_intact_chain(client_as, leo, catalogue):
    head = AuditEvent.objects.order_by("-seq").first()

    body = client_as(leo).get("/api/v1/audit/verify").json()

    assert body["ok"] is True
    assert body["count"] == head.seq
    assert body["head_seq"] == head.seq
    assert body["head_hash"] == head.hash
    assert body["first_bad_seq"] is None


def test_verify_finds_a_row_altered_behind_the_triggers(client_as, olivia, catalogue):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE governance_auditevent SET action = 'tampered' WHERE seq = 2")
        cursor.execute("SET session_replication_role = DEFAULT")

    body = client_as(olivia).get("/api/v1/audit/verify").json()

    assert body["ok"] is False
    assert body["first_bad_seq"] == 2
    assert body["count"] == 1
    assert body["reason"] == "hash does not match contents"
