"""Employees read the notice in their language, and their consent records the text read:
its language and its hash, in the event and in the signed receipt."""

import re

import pytest
from django.db import DatabaseError, transaction
from django.utils.translation import gettext, override

from governance.models import ConsentEvent
from governance.models.notices import language_name
from governance.services.consent import RequestContext, consent_grant
from governance.services.notices import notice_publish, notice_text_set
from governance.services.receipts import consent_receipt
from governance.services.signing import verify_document
from governance.stores import REGISTRY
from tests.factories import draft_notice, retention_covered

GERMAN = {
    "title": "Aufzeichnung Ihrer Computernutzung",
    "body": "Wir zeichnen Tastatur und Maus in den genannten Programmen auf.",
    "withdrawal_right": "Sie können Ihre Einwilligung jederzeit auf Meine Einwilligungen widerrufen.",
    "access_right": "Sie können sehen, was über Sie gespeichert ist, und eine Kopie verlangen.",
    "safeguards": "Passwortfelder und Kartennummern werden nie gespeichert.",
}


def fallback_said_in_german() -> str:
    """The fallback line as a German reader sees it: the sentence and both names in German."""
    with override("de"):
        return gettext("This notice is not available in %(wanted)s; it is shown in %(shown)s.") % {
            "wanted": language_name("de"),
            "shown": language_name("en"),
        }


FALLBACK = fallback_said_in_german()


def publish_v2(catalogue, olivia, *, german: bool):
    draft = draft_notice(
        olivia,
        catalogue,
        title="Recording how you use your computer, v2",
        body="We record keys and the pointer in the listed applications.",
    )
    if german:
        notice_text_set(notice=draft, actor=olivia, language="de", **GERMAN)
    with retention_covered():
        return notice_publish(notice=draft, actor=olivia)


@pytest.fixture
def bilingual(catalogue, olivia):
    return publish_v2(catalogue, olivia, german=True)


@pytest.fixture
def german_alice(alice):
    alice.employee.language = "de"
    alice.employee.save(update_fields=["language"])
    return alice


def hidden(page: str, name: str) -> str:
    [value] = set(re.findall(rf'name="{name}" value="([^"]*)"', page))
    return value


def test_german_employee_reads_the_german_text_and_her_grant_records_it(
    as_user, german_alice, bilingual, scope
):
    client = as_user(german_alice)
    page = client.get("/consent/").content.decode()
    german = bilingual.texts.get(language="de")

    assert GERMAN["title"] in page and GERMAN["body"] in page
    assert GERMAN["withdrawal_right"] in page and GERMAN["safeguards"] in page
    assert bilingual.withdrawal_right not in page
    assert FALLBACK not in page
    assert 'href="?lang=en"' in page  # the switch to the version's other language
    assert hidden(page, "text_hash") == german.content_hash

    client.post(
        "/consent/grant/",
        {**scope.as_slugs(), "language": "de", "text_hash": hidden(page, "text_hash")},
    )

    event = ConsentEvent.objects.get(employee=german_alice.employee)
    assert (event.text_language, event.text_hash) == ("de", german.content_hash)
    assert event.notice_hash == bilingual.content_hash


def test_the_switch_shows_the_other_language_and_the_grant_records_that_one(
    as_user, german_alice, bilingual, scope
):
    client = as_user(german_alice)
    page = client.get("/consent/?lang=en").content.decode()

    assert bilingual.title in page and GERMAN["title"] not in page
    client.post(
        "/consent/grant/",
        {**scope.as_slugs(), "language": "en", "text_hash": hidden(page, "text_hash")},
    )
    event = ConsentEvent.objects.get(employee=german_alice.employee)
    assert event.text_language == "en"


def test_a_missing_language_shows_the_company_text_and_says_so(
    as_user, german_alice, catalogue, olivia, scope
):
    notice = publish_v2(catalogue, olivia, german=False)
    client = as_user(german_alice)

    for url in ("/consent/", f"/notices/{notice.version}/"):
        page = client.get(url).content.decode()
        assert FALLBACK in page, url
        assert notice.title in page
    page = client.get("/consent/").content.decode()
    client.post(
        "/consent/grant/",
        {**scope.as_slugs(), "language": "en", "text_hash": hidden(page, "text_hash")},
    )
    assert ConsentEvent.objects.get(employee=german_alice.employee).text_language == "en"


def test_an_api_grant_in_a_language_the_notice_lacks_takes_the_text_shown_in_its_place(
    client_as, german_alice, catalogue, olivia, scope
):
    notice = publish_v2(catalogue, olivia, german=False)
    api = client_as(german_alice)
    shown = api.get("/api/v1/me/consents").json()["notice_text"]
    assert (shown["language"], shown["fallback"]) == ("en", True)

    response = api.post(
        "/api/v1/me/consents/grant",
        {**scope.as_slugs(), "language": "de", "text_hash": shown["content_hash"]},
        format="json",
    )

    assert response.status_code == 201, response.content
    [event] = response.json()["events"]
    assert event["text_language"] == "en"
    assert event["text_hash"] == notice.texts.get(language="en").content_hash


def test_the_public_notice_page_reads_in_the_reader_language(as_user, german_alice, bilingual):
    client = as_user(german_alice)

    assert GERMAN["body"] in client.get(f"/notices/{bilingual.version}/").content.decode()
    english = client.get(f"/notices/{bilingual.version}/?lang=en").content.decode()
    assert bilingual.body in english and GERMAN["body"] not in english


def test_a_text_that_is_not_the_notice_in_effect_grants_nothing(
    as_user, german_alice, catalogue, bilingual, scope
):
    older = catalogue["notice"].texts.get()

    client = as_user(german_alice)
    response = client.post(
        "/consent/grant/", {**scope.as_slugs(), "language": "en", "text_hash": older.content_hash}
    )

    assert response.status_code == 302
    assert not ConsentEvent.objects.filter(employee=german_alice.employee).exists()
    page = client.get("/consent/").content.decode()
    assert "Dies ist kein Text des geltenden Datenschutzhinweises" in page  # in her language


def test_receipt_names_the_language_and_hash_of_the_text_shown(german_alice, bilingual, scope):
    event = consent_grant(
        employee=german_alice.employee,
        scope=scope,
        actor=german_alice,
        context=RequestContext(),
    )

    receipt = consent_receipt(event)

    german = bilingual.texts.get(language="de")
    assert receipt["language"] == "de"
    assert receipt["noticeText"] == {"language": "de", "hash": german.content_hash}
    assert receipt["noticeHash"] == bilingual.content_hash
    assert receipt["notice"]["rightToWithdraw"] == GERMAN["withdrawal_right"]
    assert receipt["notice"]["rightOfAccess"] == GERMAN["access_right"]
    assert receipt["notice"]["safeguards"][0] == GERMAN["safeguards"]
    assert verify_document(receipt, receipt["publicKey"])
    forged = {**receipt, "noticeText": {"language": "en", "hash": german.content_hash}}
    assert not verify_document(forged, receipt["publicKey"])


def test_a_receipt_reads_the_same_whoever_asks_in_the_language_of_the_text_read(
    client_as, german_alice, bilingual, scope
):
    """A signed receipt is one document: the language of the request that fetches it
    (the API's Accept-Language) must not change what it says."""
    event = consent_grant(
        employee=german_alice.employee, scope=scope, actor=german_alice, context=RequestContext()
    )
    api = client_as(german_alice)
    url = f"/api/v1/me/consents/receipts/{event.receipt_id}"

    english = api.get(url, headers={"accept-language": "en"}).json()
    german = api.get(url, headers={"accept-language": "de"}).json()

    assert english == german
    events = next(line for line in german["retention"] if line["store"] == "events")
    with override("de"):
        assert events["description"] == str(REGISTRY["events"].description)


def test_an_event_from_before_texts_keeps_its_receipt_shape(alice, catalogue, scope):
    event = consent_grant(
        employee=alice.employee, scope=scope, actor=alice, context=RequestContext()
    )
    event.text_language = event.text_hash = None  # as recorded before texts existed

    receipt = consent_receipt(event)

    assert "noticeText" not in receipt
    assert receipt["language"] == catalogue["notice"].language


def test_the_text_columns_are_evidence_too(alice, bilingual, scope):
    event = consent_grant(
        employee=alice.employee,
        scope=scope,
        actor=alice,
        context=RequestContext(ip_address="10.0.0.1", user_agent="pytest"),
    )
    changed = ConsentEvent.objects.filter(pk=event.pk)

    for values in ({"text_hash": "0" * 64}, {"text_language": "de"}, {"text_hash": None}):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            changed.update(**values)
    # Minimising its network data is still the one change allowed.
    assert changed.update(ip_address=None, user_agent="") == 1
    event.refresh_from_db()
    assert event.text_language == "en" and event.text_hash


# The API


def test_api_grant_defaults_to_the_employee_language(client_as, german_alice, bilingual, scope):
    response = client_as(german_alice).post(
        "/api/v1/me/consents/grant", scope.as_slugs(), format="json"
    )

    assert response.status_code == 201, response.content
    [event] = response.json()["events"]
    assert event["text_language"] == "de"
    assert event["text_hash"] == bilingual.texts.get(language="de").content_hash


def test_api_grant_takes_a_language_and_my_consents_shows_the_text(
    client_as, german_alice, bilingual, scope
):
    api = client_as(german_alice)
    mine = api.get("/api/v1/me/consents").json()["notice_text"]
    assert (mine["language"], mine["title"], mine["fallback"]) == ("de", GERMAN["title"], False)
    assert mine["withdrawal_right"] == GERMAN["withdrawal_right"]
    assert mine["languages"] == ["de", "en"]

    response = api.post(
        "/api/v1/me/consents/grant", {**scope.as_slugs(), "language": "en"}, format="json"
    )

    assert response.json()["events"][0]["text_language"] == "en"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"language": 1}, "language"),
        ({"text_hash": "0" * 64}, "text_hash"),
        ({"text_hash": 5}, "text_hash"),
        ({"language": "en", "text_hash": "GERMAN"}, "text_hash"),
    ],
)
def test_api_grant_bad_text_inputs_are_a_400_naming_the_field(
    client_as, german_alice, bilingual, scope, extra, field
):
    if extra.get("text_hash") == "GERMAN":  # a real text, but not in the language named
        extra = {**extra, "text_hash": bilingual.texts.get(language="de").content_hash}

    response = client_as(german_alice).post(
        "/api/v1/me/consents/grant", {**scope.as_slugs(), **extra}, format="json"
    )

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ConsentEvent.objects.filter(employee=german_alice.employee).exists()
