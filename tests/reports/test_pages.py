"""/legal/reports/: the form offers the kinds the caller may have; bad input is shown on
the form and writes nothing; the progress poll shows only the caller's own reports."""

from governance.models import Report
from tests.reports.helpers import asked, built, report_files_removed  # noqa: F401

PAGE = "/legal/reports/"


def _kinds(response) -> list[str]:
    return [value for value, _ in response.context["form"].fields["kind"].choices]


def test_legal_is_offered_every_kind_and_officers_only_theirs(as_user, leo, olivia):
    legal = as_user(leo).get(PAGE)
    officer = as_user(olivia).get(PAGE)

    assert legal.status_code == officer.status_code == 200
    assert set(_kinds(legal)) == {
        *("access", "requests", "consent", "erasures", "retention", "holds"),
        *("audit_bundle", "processing_record"),
    }
    assert set(_kinds(officer)) == {
        *("requests", "consent", "erasures", "retention", "processing_record"),
    }
    assert b'href="/legal/reports/"' in legal.content  # the nav link


def test_asking_on_the_page_queues_the_report_and_lists_it(as_user, leo):
    client = as_user(leo)

    response = client.post(
        PAGE, {"kind": "holds", "from": "2026-01-01", "to": "2026-01-31", "format": "pdf"}
    )

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.kind, report.format, report.params) == (
        "holds", "pdf", {"from": "2026-01-01", "to": "2026-01-31"},
    )  # fmt: skip
    listed = client.get(PAGE)
    assert f'data-report="{report.pk}"'.encode() in listed.content
    assert b"<progress" in listed.content


def test_bad_input_is_shown_on_the_form_and_nothing_is_queued(as_user, leo):
    response = as_user(leo).post(
        PAGE, {"kind": "access", "from": "2026-02-01", "to": "2026-01-01", "format": "csv"}
    )
    unknown = as_user(leo).post(
        PAGE,
        {"kind": "access", "from": "2026-01-01", "to": "2026-01-02", "format": "csv",
         "subject": "nobody@example.com"},
    )  # fmt: skip

    assert response.status_code == unknown.status_code == 400
    assert response.context["form"].errors["to"] == ["The period ends before it starts."]
    assert "No employee" in unknown.context["form"].errors["subject"][0]
    assert not Report.objects.exists()


def test_the_progress_poll_shows_only_my_reports(as_user, leo, olivia):
    mine = built(asked(leo, "holds"))
    asked(olivia, "requests")

    body = as_user(leo).get("/legal/reports/status.json").json()

    assert body == {"reports": [{"id": mine.pk, "state": "ready", "percent": 100, "rows": 0}]}
