"""Which language the portal speaks: an employee's profile, then the switch's cookie,
then the browser, then the company default; the API by Accept-Language; emails in the
recipient's language."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from governance.middleware import _unavailable_page
from governance.models import AuditEvent, SentEmail
from governance.services.mail import email_send
from governance.templatetags.portal import state_label, utc

# A page all of whose words are the portal's frame (base.html) and 404.html.
PAGE = "/no-such-page/"


def page_language(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def set_language(employee, code: str) -> None:
    employee.language = code
    employee.save(update_fields=["language"])


@pytest.mark.django_db
def test_a_visitor_gets_the_browser_language(client):
    response = client.get(
        "/accounts/login/", headers={"accept-language": "de-AT,de;q=0.9,en;q=0.5"}
    )

    assert page_language(response) == "de"
    assert "<h1>Anmelden</h1>" in response.content.decode()
    assert response["Content-Language"] == "de"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_without_a_browser_preference_the_company_default_is_used(client):
    english = client.get("/accounts/login/")
    assert page_language(english) == "en"
    assert "<h1>Log in</h1>" in english.content.decode()

    with override_settings(LANGUAGE_CODE="de"):
        german = client.get("/accounts/login/", headers={"accept-language": "fr"})
    assert page_language(german) == "de"


def test_the_profile_language_beats_the_browser(alice, as_user):
    set_language(alice.employee, "de")

    response = as_user(alice).get(PAGE, headers={"accept-language": "en"})

    assert page_language(response) == "de"
    assert "Abmelden" in response.content.decode()
    assert "Cookie" in response["Vary"]


def test_an_employee_without_a_profile_language_gets_the_browser_language(alice, as_user):
    response = as_user(alice).get(PAGE, headers={"accept-language": "de"})

    assert page_language(response) == "de"


def test_the_switch_saves_the_employee_profile_and_is_audited(alice, as_user):
    client = as_user(alice)

    response = client.post("/language/", {"language": "de", "next": "/my-data/"})

    assert response.status_code == 302 and response["Location"] == "/my-data/"
    alice.employee.refresh_from_db()
    assert alice.employee.language == "de"
    [event] = AuditEvent.objects.filter(action="employee.language_changed")
    assert event.subject == alice.employee.subject_id
    assert event.details == {"language": "de", "previous": ""}
    page = client.get(PAGE, headers={"accept-language": "en"})
    assert page_language(page) == "de"

    # The same choice again changes and audits nothing.
    client.post("/language/", {"language": "de", "next": "/"})
    assert AuditEvent.objects.filter(action="employee.language_changed").count() == 1


def test_an_employee_goes_back_to_automatic(alice, as_user):
    set_language(alice.employee, "de")
    client = as_user(alice)

    response = client.post("/language/", {"language": "", "next": PAGE})

    alice.employee.refresh_from_db()
    assert alice.employee.language == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    assert page_language(client.get(PAGE, headers={"accept-language": "en"})) == "en"


@pytest.mark.django_db
def test_the_switch_sets_a_cookie_for_a_visitor(client):
    response = client.post("/language/", {"language": "de", "next": "/accounts/login/"})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "de" and cookie["httponly"] and cookie["samesite"] == "Lax"
    page = client.get("/accounts/login/", headers={"accept-language": "en"})
    assert page_language(page) == "de"


def test_an_account_that_is_no_employee_gets_the_cookie(ada, as_user):
    client = as_user(ada)

    client.post("/language/", {"language": "de", "next": PAGE})

    assert page_language(client.get(PAGE)) == "de"
    assert not AuditEvent.objects.filter(action="employee.language_changed").exists()


def test_an_unknown_language_is_refused_and_changes_nothing(alice, as_user):
    client = as_user(alice)

    response = client.post("/language/", {"language": "xx", "next": "/"})

    assert response.status_code == 400
    alice.employee.refresh_from_db()
    assert alice.employee.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", ""])
def test_the_switch_goes_back_only_to_a_page_of_the_portal(client, target):
    response = client.post("/language/", {"language": "de", "next": target})

    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_the_switch_is_a_labelled_form_in_the_header(client):
    html = client.get("/accounts/login/", headers={"accept-language": "de"}).content.decode()
    header = html.split("<header", 1)[1].split("</header>", 1)[0]

    assert '<form method="post" action="/language/" class="language-switch">' in header
    assert '<label for="language-switch">Sprache</label>' in header
    assert '<option value="de" lang="de" selected>Deutsch</option>' in header
    assert '<option value="en" lang="en">English</option>' in header
    assert '<button type="submit"' in header
    assert "<script" not in header  # works without script, and under the CSP


def test_an_employee_sees_automatic_among_the_choices(alice, as_user):
    html = as_user(alice).get(PAGE).content.decode()

    assert '<option value="" selected>Automatic</option>' in html


def test_the_api_answers_in_the_language_of_accept_language(alice, client_as):
    # The profile says English; an API client says what it wants in the header.
    set_language(alice.employee, "en")

    anonymous = client_as(None).get("/api/v1/me/consents", headers={"accept-language": "de"})
    signed_in = client_as(alice).get("/api/v1/no-such-thing", headers={"accept-language": "de"})

    assert anonymous.status_code == 403
    assert anonymous.json() == {"detail": "Anmeldedaten fehlen."}
    assert anonymous["Content-Language"] == "de"
    assert signed_in["Content-Language"] == "de"


def test_a_bearer_token_client_gets_the_language_of_accept_language(client_as, token):
    response = client_as(None).get(
        "/api/v1/ingest/policy",
        headers={"authorization": f"Bearer {token}", "accept-language": "de"},
    )

    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_the_api_without_accept_language_answers_in_the_company_default(client_as):
    response = client_as(None).get("/api/v1/me/consents")

    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_an_email_is_written_in_its_recipients_language(alice, bob):
    set_language(alice.employee, "de")
    hold = SimpleNamespace(
        pk=7,
        matter="Müller v. Example",
        created_at=datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        review_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
    )

    with translation.override("en"):  # the language of whoever caused it does not count
        german = email_send(
            to="ALICE@example.com", kind="legal_hold_review_due", context={"hold": hold}
        )
    with translation.override("de"):
        english = email_send(to=bob.email, kind="legal_hold_review_due", context={"hold": hold})

    assert (
        german.subject
        == "Aufbewahrungsanordnung (legal hold) zur Überprüfung fällig: Müller v. Example"
    )
    assert "(angeordnet am 01.05.2026) war am 30.11.2026 zur Überprüfung fällig" in german.body
    assert english.subject == "Legal hold due for review: Müller v. Example"
    assert "(placed 2026-05-01) was due for review on 2026-11-30." in english.body
    assert SentEmail.objects.count() == 2


def test_times_are_utc_to_the_second_in_each_languages_order():
    moment = datetime(2026, 11, 30, 17, 0, 5, tzinfo=UTC)

    with translation.override("en"):
        english = utc(moment)
    with translation.override("de"):
        german = utc(moment)

    assert english == '<time datetime="2026-11-30T17:00:05+00:00">2026-11-30 17:00:05 UTC</time>'
    assert german == '<time datetime="2026-11-30T17:00:05+00:00">30.11.2026 17:00:05 UTC</time>'


def test_labels_and_the_outage_page_follow_the_language():
    with translation.override("de"):
        assert str(state_label("withdrawn")) == "Widerrufen"
        page = _unavailable_page()
    assert '<html lang="de">' in page and "Vorübergehend nicht verfügbar" in page
    with translation.override("en"):
        assert str(state_label("lapsed")) == "Needs your review"
