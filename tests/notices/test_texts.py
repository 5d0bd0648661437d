"""A notice version holds one text per language: drafted together, published together,
never changed afterwards; the company's language is required to publish."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from governance.models import AuditEvent, Notice, NoticeText
from governance.services.notices import (
    notice_content_hash,
    notice_publish,
    notice_text_hash,
    notice_text_remove,
    notice_text_set,
)
from tests.conftest import written
from tests.factories import draft_notice

GERMAN = {
    "title": "Aufzeichnung Ihrer Computernutzung",
    "body": "Was wir aufzeichnen und warum.",
    "withdrawal_right": "Sie können Ihre Einwilligung jederzeit widerrufen.",
    "access_right": "Sie können sehen, was über Sie gespeichert ist.",
    "safeguards": "Passwortfelder werden nie aufgezeichnet.",
}


def draft_in(catalogue, olivia, language="en") -> Notice:
    return draft_notice(
        olivia, catalogue, title="Draft v2", body="Not yet public.", language=language
    )


@pytest.fixture
def draft(catalogue, olivia):
    return draft_in(catalogue, olivia)


def test_a_draft_has_its_own_text_and_takes_one_per_language_each_hashed(draft, olivia):
    own = draft.texts.get()
    assert (own.language, own.title, own.body) == ("en", "Draft v2", "Not yet public.")

    german = notice_text_set(notice=draft, actor=olivia, language="de", **GERMAN)

    assert sorted(draft.texts.values_list("language", flat=True)) == ["de", "en"]
    assert german.content_hash == notice_text_hash(version=draft.version, language="de", **GERMAN)
    assert german.content_hash != own.content_hash
    assert AuditEvent.objects.filter(action="notice.text_set", target_id=str(draft.pk)).exists()


def test_the_version_hash_signs_every_text_once_there_are_several(draft, olivia):
    alone = notice_content_hash(draft)
    notice_text_set(notice=draft, actor=olivia, language="de", **GERMAN)
    both = notice_content_hash(draft)
    notice_text_set(notice=draft, actor=olivia, language="de", **{**GERMAN, "body": "Anders."})

    assert len({alone, both, notice_content_hash(draft)}) == 3


def test_editing_the_version_text_edits_its_text_in_that_language(draft, olivia):
    notice_text_set(notice=draft, actor=olivia, language="en", title="Reworded", body="New.")

    draft.refresh_from_db()
    assert (draft.title, draft.body) == ("Reworded", "New.")
    assert draft.texts.get(language="en").title == "Reworded"


def test_the_version_own_text_cannot_be_removed_but_another_can(draft, olivia):
    notice_text_set(notice=draft, actor=olivia, language="de", **GERMAN)

    with pytest.raises(ValidationError) as refused:
        notice_text_remove(notice=draft, actor=olivia, language="en")
    assert "language" in refused.value.message_dict
    assert notice_text_remove(notice=draft, actor=olivia, language="de") is True
    assert notice_text_remove(notice=draft, actor=olivia, language="de") is False
    assert list(draft.texts.values_list("language", flat=True)) == ["en"]


def test_a_language_the_portal_does_not_have_is_refused(draft, olivia):
    with pytest.raises(ValidationError) as refused:
        notice_text_set(notice=draft, actor=olivia, language="fr", **GERMAN)
    assert "language" in refused.value.message_dict
    assert draft.texts.count() == 1


def test_publishing_without_a_text_in_the_company_language_is_refused(catalogue, olivia):
    german_only = draft_in(catalogue, olivia, language="de")

    with pytest.raises(ValidationError) as refused:
        notice_publish(notice=german_only, actor=olivia)

    assert "texts" in refused.value.message_dict
    german_only.refresh_from_db()
    assert german_only.status == Notice.Status.DRAFT


def test_another_language_must_word_the_rights_and_safeguards_to_publish(draft, olivia):
    notice_text_set(
        notice=draft, actor=olivia, language="de", title=GERMAN["title"], body=GERMAN["body"]
    )

    with pytest.raises(ValidationError) as refused:
        notice_publish(notice=draft, actor=olivia)

    assert "German" in " ".join(refused.value.message_dict["texts"])
    draft.refresh_from_db()
    assert draft.status == Notice.Status.DRAFT


def test_the_version_own_text_words_its_rights_in_the_version_statement(draft, olivia):
    with pytest.raises(ValidationError) as refused:
        notice_text_set(
            notice=draft,
            actor=olivia,
            language="en",
            title="Draft v2",
            body="Not yet public.",
            safeguards="Other wording",
        )

    assert list(refused.value.message_dict) == ["safeguards"]
    assert draft.texts.get().safeguards == ""


def test_texts_are_published_together_and_never_change_after(draft, olivia):
    notice_text_set(notice=draft, actor=olivia, language="de", **GERMAN)
    notice_publish(notice=draft, actor=olivia)

    for change in (
        lambda: notice_text_set(notice=draft, actor=olivia, language="de", **GERMAN),
        lambda: notice_text_remove(notice=draft, actor=olivia, language="de"),
    ):
        with pytest.raises(ValidationError):
            change()
    # The database refuses it too, whatever code tries.
    for change in (
        lambda: NoticeText.objects.filter(notice=draft).update(title="Changed"),
        lambda: NoticeText.objects.filter(notice=draft, language="de").delete(),
        lambda: NoticeText.objects.create(
            notice=draft, language="fr", title="t", body="b", content_hash=""
        ),
    ):
        with pytest.raises(DatabaseError, match="published notice"), transaction.atomic():
            change()
    assert draft.texts.get(language="de").title == GERMAN["title"]


# The API: texts as a sub-resource of a draft


def test_officer_puts_and_deletes_a_text_through_the_api(client_as, olivia, draft):
    api = client_as(olivia)
    put = api.put(f"/api/v1/notices/{draft.pk}/texts/de", GERMAN, format="json")

    assert put.status_code == 200, put.content
    assert put.json()["language"] == "de"
    shown = api.get(f"/api/v1/notices/{draft.pk}").json()
    assert [text["language"] for text in shown["texts"]] == ["de", "en"]

    assert api.delete(f"/api/v1/notices/{draft.pk}/texts/de").status_code == 204
    assert api.delete(f"/api/v1/notices/{draft.pk}/texts/de").status_code == 404
    assert list(draft.texts.values_list("language", flat=True)) == ["en"]


@pytest.mark.parametrize(
    ("language", "body", "field"),
    [
        ("fr", GERMAN, "language"),
        ("de", {**GERMAN, "langauge": "de"}, "langauge"),
        ("de", {**GERMAN, "title": 7}, "title"),
        ("de", {"title": "Nur Titel"}, "body"),
        ("de", {**GERMAN, "body": "  "}, "body"),
        ("de", {**GERMAN, "title": "a\x00b"}, "title"),
    ],
)
def test_bad_text_input_is_a_400_naming_the_field(client_as, olivia, draft, language, body, field):
    before = written()
    response = client_as(olivia).put(
        f"/api/v1/notices/{draft.pk}/texts/{language}", body, format="json"
    )

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


def test_removing_the_version_own_text_through_the_api_is_a_400(client_as, olivia, draft):
    response = client_as(olivia).delete(f"/api/v1/notices/{draft.pk}/texts/en")

    assert response.status_code == 400
    assert "language" in response.json()
    assert draft.texts.count() == 1


def test_publishing_without_the_company_language_through_the_api_is_a_400(
    client_as, olivia, catalogue
):
    german_only = draft_in(catalogue, olivia, language="de")

    response = client_as(olivia).post(f"/api/v1/notices/{german_only.pk}/publish", {})

    assert response.status_code == 400
    assert "texts" in response.json()
    german_only.refresh_from_db()
    assert german_only.status == Notice.Status.DRAFT


def test_a_published_version_texts_are_a_400_and_others_may_not_write(
    client_as, olivia, alice, catalogue
):
    published = catalogue["notice"]
    url = f"/api/v1/notices/{published.pk}/texts/de"

    assert client_as(olivia).put(url, GERMAN, format="json").status_code == 400
    assert client_as(alice).put(url, GERMAN, format="json").status_code == 403
    assert not published.texts.filter(language="de").exists()


# The officer's pages


def test_officer_adds_a_german_text_on_the_notice_page(as_user, olivia, draft):
    client = as_user(olivia)
    page = client.get(f"/officer/notices/{draft.version}/").content.decode()
    assert f'href="/officer/notices/{draft.version}/texts/de/"' in page

    form = client.get(f"/officer/notices/{draft.version}/texts/de/").content.decode()
    assert 'name="withdrawal_right"' in form
    own = client.get(f"/officer/notices/{draft.version}/texts/en/").content.decode()
    assert 'name="withdrawal_right"' not in own  # worded in the version's statement

    response = client.post(f"/officer/notices/{draft.version}/texts/de/", GERMAN)

    assert response.status_code == 302
    german = draft.texts.get(language="de")
    assert (german.title, german.safeguards) == (GERMAN["title"], GERMAN["safeguards"])
    page = client.get(f"/officer/notices/{draft.version}/").content.decode()
    assert GERMAN["title"] in page


def test_the_page_says_a_draft_needs_a_text_in_the_company_language(as_user, olivia, catalogue):
    german_only = draft_in(catalogue, olivia, language="de")

    page = as_user(olivia).get(f"/officer/notices/{german_only.version}/").content.decode()

    assert "a text in English" in page


def test_a_published_version_text_page_sends_the_officer_back(as_user, olivia, catalogue):
    version = catalogue["notice"].version
    client = as_user(olivia)

    assert client.get(f"/officer/notices/{version}/texts/de/").status_code == 302
    assert client.post(f"/officer/notices/{version}/texts/de/", GERMAN).status_code == 400
    assert client.get(f"/officer/notices/{version}/texts/xx/").status_code == 404
    assert not catalogue["notice"].texts.filter(language="de").exists()
