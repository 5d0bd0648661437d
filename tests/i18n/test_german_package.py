"""The summary page of an access package is in the person's language, every word of it."""

from datetime import UTC, datetime

from django.utils import translation

from governance.packages.summary import Art15Summary, summary_html
from governance.services.exports import export_package_build
from tests.requests.helpers import (
    package_files_removed,  # noqa: F401  (autouse)
    package_requested,
    package_zip,
)


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


def test_a_package_for_a_profile_language_the_portal_lacks_is_in_the_company_language(
    alice, olivia, catalogue, settings
):
    """The admin's employee form takes any text as a language: the summary then reads as
    the person's pages and emails do, in the company's language, not in that text."""
    alice.employee.language = "fr"
    alice.employee.save(update_fields=["language"])
    package = package_requested(alice, olivia)

    assert export_package_build(package.pk).state == "ready"

    html = package_zip(package).read("summary.html").decode()
    assert f'<html lang="{settings.LANGUAGE_CODE}">' in html
