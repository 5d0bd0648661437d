"""The summary page of an access package is in the person's language, every word of it."""

from datetime import UTC, datetime

from django.utils import translation

from governance.packages.summary import Art15Summary, summary_html


def test_the_summary_marks_purposes_and_the_complaint_right_in_german():
    summary = Art15Summary(
        person="Alice",
        subject="sub_1",
        controller={"name": "Example Corp", "contact": "", "email": "", "address": ""},
        authority={"name": "BlnBDI", "url": "https://example.org/"},
        built_at=datetime(2026, 12, 1, tzinfo=UTC),
        purposes=[
            {"name": "Train", "use": "permitted", "consented": True},
            {"name": "Monitoring", "use": "prohibited", "consented": False},
        ],
        categories=[],
        recipients=[],
        retention=[],
        devices=[],
        safeguards=[],
    )

    with translation.override("de"):
        html = summary_html(summary)

    assert "<em>(Sie haben eingewilligt)</em>" in html
    assert "<em>(nie dafür verwendet)</em>" in html
    assert "<strong>Beschwerde</strong>" in html
