"""The audit log as officers and legal see it names nobody: no employee number or email
address in an entry's details, at any depth, beside the pseudonyms."""

from datetime import date

from governance.models import AuditEvent
from governance.services.audit import audit_record
from governance.services.reports import report_request


def asked_for_an_access_report_about(person, *, by, accessor):
    return report_request(
        actor=by,
        kind="access",
        date_from=date(2026, 1, 1),
        date_to=date(2026, 6, 30),
        format="csv",
        filters={"subject": person.employee.employee_number, "accessor": accessor.email},
    )


def test_a_reports_filter_on_a_person_is_masked_in_the_api_and_on_the_page(
    client_as, leo, olivia, bob
):
    asked_for_an_access_report_about(bob, by=leo, accessor=olivia)
    stored = AuditEvent.objects.get(action="report.requested")
    assert stored.subject == bob.employee.subject_id  # the filter names bob, by number
    assert stored.details["params"]["subject"] == bob.employee.employee_number

    entries = client_as(olivia).get("/api/v1/audit/events", {"action": "report."}).json()

    [entry] = entries["results"]
    assert entry["subject"] == bob.employee.subject_id
    assert entry["details"]["params"] == {"from": "2026-01-01", "to": "2026-06-30"}
    assert entry["details"]["kind"] == "access"
    assert "details" in entry["masked"]
    page = client_as(olivia).get("/audit/", {"action": "report."}).content.decode()
    assert bob.employee.subject_id[:10] in page
    assert bob.employee.employee_number not in page
    assert olivia.email not in page.split('data-action="report.requested"')[1]
    # The stored entry is unchanged and still verifies.
    assert AuditEvent.objects.get(pk=stored.pk).details == stored.details
    assert client_as(olivia).get("/api/v1/audit/verify").json()["ok"] is True


def test_an_employee_number_or_email_anywhere_in_the_details_is_masked(client_as, olivia, bob):
    audit_record(
        actor=olivia,
        action="test.nested",
        subject=bob.employee.subject_id,
        details={
            "kept": "consent",
            "people": [bob.employee.employee_number.lower(), "sub_x"],
            "deep": {"who": {"mail": "Bob@Example.com"}, "n": 3},
            "note": f"asked by {bob.email} today",
        },
    )

    [entry] = client_as(olivia).get("/api/v1/audit/events", {"action": "test."}).json()["results"]

    assert entry["details"] == {"kept": "consent", "people": ["sub_x"], "deep": {"who": {}, "n": 3}}
    assert entry["masked"] == ["details"]
