"""What a reader of reports sees: wording of refusals, the form's formats, a record that
takes no period, who is named in a list, and report events in "Who accessed my data"."""

import io
import json

import pytest

from governance.evidence.processing_record import processing_record_write
from governance.models import AuditEvent, Report, SafeguardRule
from governance.services.reports import report_build
from tests.reports.helpers import asked, built, csv_rows, today

URL = "/api/v1/reports"
PAGE = "/legal/reports/"


@pytest.mark.parametrize(
    ("kind", "fmt", "message"),
    [
        ("audit_bundle", "pdf", "The Audit evidence bundle comes as a zip file."),
        ("consent", "zip", "The Consent register comes as CSV, JSON Lines or PDF."),
        ("processing_record", "csv", "The Record of processing activities (Art. 30) comes as PDF or JSON."),
    ],
)  # fmt: skip
def test_a_wrong_format_is_refused_in_words(client_as, leo, kind, fmt, message):
    first = today().replace(day=1).isoformat()
    response = client_as(leo).post(
        URL, {"kind": kind, "format": fmt, "from": first, "to": first}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["format"] == [message]
    assert not Report.objects.exists()


def test_the_processing_record_needs_no_period_and_other_kinds_still_do(client_as, olivia):
    client = client_as(olivia)

    record = client.post(URL, {"kind": "processing_record", "format": "json"}, format="json")
    register = client.post(URL, {"kind": "requests", "format": "csv"}, format="json")

    assert record.status_code == 202, record.json()
    as_of = today().isoformat()
    assert record.json()["period"] == {"from": as_of, "to": as_of}
    assert register.status_code == 400 and "from" in register.json()
    assert list(Report.objects.values_list("kind", flat=True)) == ["processing_record"]
    assert report_build(record.json()["id"]).state == "ready"


def test_the_page_asks_for_a_processing_record_without_dates(as_user, olivia):
    client = as_user(olivia)

    asked_for = client.post(PAGE, {"kind": "processing_record", "format": "pdf"})
    refused = client.post(PAGE, {"kind": "requests", "format": "csv", "to": "2026-01-31"})

    assert asked_for.status_code == 302
    assert Report.objects.get().kind == "processing_record"
    assert refused.status_code == 400 and refused.context["form"].errors["from"]


def test_the_form_tells_its_script_each_kinds_formats_and_promises_no_more_than_is_true(
    as_user, leo
):
    page = as_user(leo).get(PAGE)

    formats = json.loads(page.context["form"].fields["kind"].widget.attrs["data-formats"])
    assert formats["audit_bundle"] == ["zip"] and formats["consent"] == ["csv", "jsonl", "pdf"]
    assert b"data-formats=" in page.content and b"governance/reports.js" in page.content
    assert b"only in your session" not in page.content
    assert b"until you change your password" in page.content


def test_a_detector_rule_named_after_its_detector_is_named_once(catalogue):
    SafeguardRule.objects.create(
        kind=SafeguardRule.Kind.REDACTION_DETECTOR,
        name="Card numbers (Luhn-checked)",
        detector=SafeguardRule.Detector.CARD_NUMBER,
    )
    out = io.BytesIO()

    record = processing_record_write(out, fmt="json")

    lines = [s for s in record["safeguards"] if "Card numbers" in s]
    assert lines == ["Redaction detector: Card numbers (Luhn-checked)"]


def test_report_events_say_which_report_and_period_to_the_person_it_is_about(
    as_user, client_as, leo, alice
):
    report = built(asked(leo, "access", subject=alice.employee.employee_number))
    what = f"Access report, {report.params['from']} to {report.params['to']}"
    events = AuditEvent.objects.filter(target_id=str(report.pk), subject=alice.employee.subject_id)
    assert {e.action: e.details["what"] for e in events} == {
        "report.requested": what,
        "report.generated": what,
    }

    page = as_user(alice).get("/consent/access-log/").content.decode()
    api = client_as(alice).get("/api/v1/me/access-log").json()

    assert "Asked for a report about you" in page and "The portal built a report" in page
    assert what in page and "<code>report.requested</code>" not in page
    entries = api["results"] if isinstance(api, dict) else api
    shown = [e["details"] for e in entries if e["action"].startswith("report.")]
    assert shown and all(d.get("what") == what for d in shown)
    assert alice.employee.employee_number not in json.dumps(shown)


def test_the_access_report_says_which_report_was_downloaded(leo, alice, client_as):
    about_alice = built(asked(leo, "access", subject=alice.employee.employee_number))
    download = client_as(leo).get(
        client_as(leo).get(f"{URL}/{about_alice.pk}").json()["download_url"]
    )
    assert download.status_code == 200
    b"".join(download.streaming_content)

    rows = csv_rows(built(asked(leo, "access")))

    downloaded = [r for r in rows if r["action"] == "report.downloaded"]
    assert [r["what"] for r in downloaded] == [
        f"Access report, {about_alice.params['from']} to {about_alice.params['to']}"
    ]
