"""API error messages are translatable: a German reader gets them in German.

The catalogue is compiled here from locale/de/LC_MESSAGES/django.po with Babel, into a
folder of its own, so the test reads the translations that are committed, not a
compiled file someone left behind.
"""

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings as django_settings
from django.utils import translation

CATALOGUE = django_settings.BASE_DIR / "locale" / "de" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def german(settings, tmp_path):
    compiled = tmp_path / "de" / "LC_MESSAGES"
    compiled.mkdir(parents=True)
    with CATALOGUE.open("rb") as po, (compiled / "django.mo").open("wb") as mo:
        write_mo(mo, read_po(po, locale="de"))
    # Changing LOCALE_PATHS drops Django's cached catalogues (django.test.signals).
    settings.LOCALE_PATHS = [tmp_path]
    # German both ways: the active language, and the header a client sends, which is
    # what picks the language of an API answer where a middleware chooses it per request.
    with translation.override("de"):
        yield


def test_a_refusal_of_the_portal_reads_in_german(client_as, olivia, german):
    response = client_as(olivia).post(
        "/api/v1/erasure-jobs",
        {"employee": "ghost@example.com", "reason": "DSR 7"},
        content_type="application/json",
        headers={"accept-language": "de"},
    )

    assert response.status_code == 400
    assert response.json()["employee"] == [
        "Keine beschäftigte Person hat die Personalnummer oder dienstliche E-Mail-Adresse "
        "'ghost@example.com'."
    ]


def test_a_paging_error_reads_in_german_and_in_english_without_it(client_as, olivia, german):
    response = client_as(olivia).get("/api/v1/devices?limit=ten", headers={"accept-language": "de"})
    with translation.override("en"):
        english = client_as(olivia).get(
            "/api/v1/devices?limit=ten", headers={"accept-language": "en"}
        )

    assert response.status_code == english.status_code == 400
    assert response.json() == {"limit": ["Muss eine ganze Zahl von 1 bis 1000 sein."]}
    assert english.json() == {"limit": ["Must be a whole number from 1 to 1000."]}
