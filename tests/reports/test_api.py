"""/api/v1/reports: ask, follow, download; bad input is a 400 naming the field and writes
nothing; employees are refused; another person's report does not exist for the caller."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from governance.models import AuditEvent, Report, Role
from governance.services.reports import report_build, report_download_url
from tests.factories import make_user
from tests.reports.helpers import asked, built, pdf_text, report_files_removed, today  # noqa: F401

URL = "/api/v1/reports"


def body(**changes) -> dict:
    first = today().replace(day=1)
    return {"kind": "holds", "from": first.isoformat(), "to": today().isoformat(),
            "format": "csv", **changes}  # fmt: skip


@pytest.fixture
def lena(db):
    """Another lawyer."""
    return make_user("lena@example.com", roles=(Role.EMPLOYEE, Role.LEGAL))


def test_legal_asks_for_a_report_and_follows_it_to_its_download(client_as, leo):
    client = client_as(leo)

    response = client.post(URL, body(kind="access", subject="leo@example.com"), format="json")

    assert response.status_code == 202, response.json()
    shown = response.json()
    report = Report.objects.get(pk=shown["id"])
    assert report.requester == leo and report.state == "queued"
    assert report.params["subject"] == leo.employee.employee_number
    assert shown["state"] == "queued" and shown["download_url"] is None
    assert shown["period"] == {"from": body()["from"], "to": body()["to"]}
    report_build(report.pk)

    followed = client.get(f"{URL}/{report.pk}").json()

    assert followed["state"] == "ready" and followed["progress"]["percent"] == 100
    download = client.get(followed["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv"
    assert b"".join(download.streaming_content).startswith(b"seq,occurred_at,accessor")
    event = AuditEvent.objects.get(action="report.downloaded")
    assert event.actor_label == "leo@example.com" and event.target_id == str(report.pk)
    assert event.subject == leo.employee.subject_id  # a report about one person is theirs to see
    assert [r["id"] for r in client.get(URL).json()["results"]] == [report.pk]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"format": "xls"}, "format"),
        ({"kind": "consent", "format": "zip"}, "format"),
        ({"to": "2020-01-01", "from": "2020-02-01"}, "to"),
        ({"from": "2000-01-01", "to": "2020-01-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"to": 20200101}, "to"),
        ({"colour": "red"}, "colour"),
        ({"kind": "access", "subject": "nobody@example.com"}, "subject"),
        ({"kind": "access", "accessor": "nobody@example.com"}, "accessor"),
        ({"kind": "holds", "subject": "leo@example.com"}, "subject"),
        ({"kind": None}, "kind"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(client_as, leo, changes, field):
    events = AuditEvent.objects.count()

    response = client_as(leo).post(URL, body(**changes), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Report.objects.count() == 0 and AuditEvent.objects.count() == events


def test_employees_may_not_ask_for_or_list_reports(client_as, alice):
    client = client_as(alice)

    assert client.post(URL, body(), format="json").status_code == 403
    assert client.get(URL).status_code == 403
    assert Report.objects.count() == 0


def test_officers_may_have_the_registers_but_not_the_access_report(client_as, olivia):
    client = client_as(olivia)

    refused = client.post(URL, body(kind="access"), format="json")
    allowed = client.post(URL, body(kind="requests"), format="json")

    assert refused.status_code == 403 and "legal" in refused.json()["detail"]
    assert allowed.status_code == 202
    assert list(Report.objects.values_list("kind", flat=True)) == ["requests"]


def test_someone_elses_report_is_a_404_and_not_in_the_list(client_as, leo, lena, olivia):
    report = built(asked(leo, "holds"))

    for other in (lena, olivia):
        client = client_as(other)
        assert client.get(f"{URL}/{report.pk}").status_code == 404
        assert client.get(URL).json()["results"] == []
    assert client_as(leo).get(f"{URL}/{report.pk}").status_code == 200
    assert client_as(leo).get(f"{URL}/999999999999999999999").status_code == 404


def test_a_link_is_only_its_requesters_and_a_tampered_one_leads_nowhere(
    client_as, as_user, leo, lena
):
    report = built(asked(leo, "holds"))
    url = report_download_url(report, user=leo)
    token = url.split("/")[-2]

    assert as_user(lena).get(url).status_code == 404
    assert as_user(leo).get(url.replace(token, token[:-2] + "xx")).status_code == 404
    assert not AuditEvent.objects.filter(action="report.downloaded").exists()
    assert as_user(leo).get(url).status_code == 200


def test_an_expired_link_or_report_is_410(as_user, leo, monkeypatch):
    report = built(asked(leo, "holds"))
    with monkeypatch.context() as m:
        m.setattr(signing.time, "time", lambda: timezone.now().timestamp() - 2 * 3600)
        old_link = report_download_url(report, user=leo)
    fresh_link = report_download_url(report, user=leo)

    assert as_user(leo).get(old_link).status_code == 410
    Report.objects.filter(pk=report.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    gone = as_user(leo).get(fresh_link)
    assert gone.status_code == 410
    assert b"expired" in gone.content
    assert not AuditEvent.objects.filter(action="report.downloaded").exists()


def test_the_pdf_is_served_as_a_pdf(client_as, leo):
    report = built(asked(leo, "holds", fmt="pdf"))

    shown = client_as(leo).get(f"{URL}/{report.pk}").json()
    download = client_as(leo).get(shown["download_url"])

    assert download["Content-Type"] == "application/pdf"
    assert "Holds register" in pdf_text(b"".join(download.streaming_content))
