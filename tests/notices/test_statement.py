"""Notices say what Art. 13 GDPR requires: lawful basis per purpose, controller, DPO,
recipients, the rights to withdraw, to access and to complain, and the safeguards."""

import hashlib
from datetime import UTC

import orjson
import pytest

from governance.models import AuditEvent, ConsentMethod, DataKind, Notice
from governance.services.consent import RequestContext, consent_grant
from governance.services.notices import notice_content_hash, notice_create, notice_publish
from governance.services.receipts import consent_receipt
from governance.services.scopes import Scope
from governance.services.signing import verify_document
from tests.conftest import written
from tests.notices.test_pages import draft_data

BLANK_STATEMENT = {
    "lawful_bases": {},
    "controller_name": "",
    "controller_contact": "",
    "dpo_contact": "",
    "recipients": [],
    "withdrawal_right": "",
    "access_right": "",
    "authority_name": "",
    "authority_contact": "",
    "safeguards": "",
}


def legacy_hash(notice: Notice) -> str:
    """The content hash as computed before notices had a structured statement."""
    content = {
        "version": notice.version,
        "language": notice.language,
        "title": notice.title,
        "body": notice.body,
        "effective_at": notice.effective_at.astimezone(UTC).isoformat(),
        "material_change": notice.material_change,
        "purposes": sorted(notice.purposes.values_list("slug", flat=True)),
        "applications": sorted(notice.applications.values_list("slug", flat=True)),
        "data_kinds": sorted(notice.data_kinds.values_list("slug", flat=True)),
    }
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


@pytest.fixture
def legacy_notice(catalogue):
    """The catalogue's published notice as it was before statements existed."""
    notice = catalogue["notice"]
    Notice.objects.filter(pk=notice.pk).update(**BLANK_STATEMENT)
    notice.refresh_from_db()
    Notice.objects.filter(pk=notice.pk).update(content_hash=legacy_hash(notice))
    notice.refresh_from_db()
    return notice


def api_draft(catalogue, **fields) -> dict:
    """A draft as the API takes it: slugs, and the statement fields given."""
    return {
        "title": "Recording v2",
        "body": "Why.",
        "purposes": [catalogue["purpose"].slug],
        "applications": ["vscode"],
        "data_kinds": ["key"],
        **fields,
    }


def draft(catalogue, actor, **statement) -> Notice:
    return notice_create(
        actor=actor,
        title="Recording v2",
        body="What we record and why.",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
        **statement,
    )


def test_a_new_draft_starts_from_the_configured_statement(catalogue, olivia, settings):
    settings.DPO_CONTACT = "Dana Protect, dpo@corp.example"

    notice = draft(catalogue, olivia)

    assert notice.lawful_bases == {catalogue["purpose"].slug: "consent"}
    assert notice.dpo_contact == "Dana Protect, dpo@corp.example"
    assert notice.controller_name == settings.CONTROLLER["piiController"]
    assert notice.authority_name == settings.SUPERVISORY_AUTHORITY["name"]
    assert notice.recipients == settings.PROCESSING_RECIPIENTS
    assert notice.withdrawal_right and notice.access_right and notice.safeguards


@pytest.mark.parametrize(
    ("basis", "message"),
    [
        ("legitimate_interests", "interaction capture rests on consent only"),
        ("contract", "interaction capture rests on consent only"),
        ("whim", "is not a valid choice"),
    ],
)
def test_api_refuses_a_lawful_basis_other_than_consent(
    client_as, olivia, catalogue, basis, message
):
    before = written()
    slug = catalogue["purpose"].slug

    response = client_as(olivia).post(
        "/api/v1/notices",
        api_draft(catalogue, lawful_bases={slug: basis}),
        format="json",
    )

    assert response.status_code == 400
    assert message in str(response.json()["lawful_bases"])
    assert Notice.objects.count() == 1
    assert written() == before


def test_a_lawful_basis_must_be_for_one_of_the_notice_purposes(client_as, olivia, catalogue):
    draft_notice = draft(catalogue, olivia)

    response = client_as(olivia).patch(
        f"/api/v1/notices/{draft_notice.pk}",
        {"lawful_bases": {"marketing": "consent"}},
        format="json",
    )

    assert response.status_code == 400
    assert "not one of this notice's purposes" in str(response.json()["lawful_bases"])
    draft_notice.refresh_from_db()
    assert draft_notice.lawful_bases == {catalogue["purpose"].slug: "consent"}


def test_a_draft_may_be_incomplete_but_publishing_names_what_is_missing(
    client_as, olivia, catalogue
):
    client = client_as(olivia)
    created = client.post(
        "/api/v1/notices",
        api_draft(catalogue, lawful_bases={}, dpo_contact=" \t", recipients=[]),
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    before = written()

    response = client.post(f"/api/v1/notices/{pk}/publish")

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"lawful_bases", "dpo_contact", "recipients"}
    assert catalogue["purpose"].slug in errors["lawful_bases"][0]
    notice = Notice.objects.get(pk=pk)
    assert notice.status == Notice.Status.DRAFT and notice.content_hash == ""
    assert written() == before

    client.patch(
        f"/api/v1/notices/{pk}",
        {
            "lawful_bases": {catalogue["purpose"].slug: "consent"},
            "dpo_contact": "dpo@example.com",
            "recipients": ["Privacy office"],
        },
        format="json",
    )
    assert client.post(f"/api/v1/notices/{pk}/publish").status_code == 200
    assert Notice.objects.get(pk=pk).is_published


def test_taking_a_purpose_off_a_draft_takes_its_basis_along(olivia, catalogue):
    from governance.models import Purpose
    from governance.services.notices import notice_update

    other = Purpose.objects.create(slug="improve-accessibility", name="Improve accessibility")
    notice = notice_create(
        actor=olivia,
        title="Two purposes",
        body="Why.",
        purposes=[catalogue["purpose"], other],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
    )
    assert set(notice.lawful_bases) == {catalogue["purpose"].slug, other.slug}

    notice = notice_update(notice=notice, actor=olivia, purposes=[other])

    notice.refresh_from_db()
    assert notice.lawful_bases == {other.slug: "consent"}


def test_the_statement_is_part_of_the_content_hash(catalogue, olivia):
    first = notice_publish(
        notice=draft(catalogue, olivia, dpo_contact="a@example.com"), actor=olivia
    )
    second = notice_publish(
        notice=draft(catalogue, olivia, dpo_contact="b@example.com"), actor=olivia
    )

    assert first.content_hash == notice_content_hash(first)
    assert first.content_hash != legacy_hash(first)
    # Everything else the same but the version: change one statement field on the first.
    Notice.objects.filter(pk=first.pk).update(dpo_contact="b@example.com")
    first.refresh_from_db()
    assert notice_content_hash(first) != first.content_hash
    assert second.content_hash == notice_content_hash(second)


def test_a_notice_published_before_statements_still_verifies(legacy_notice):
    assert notice_content_hash(legacy_notice) == legacy_notice.content_hash


def test_employee_reads_the_statement_on_the_notice_and_consent_pages(
    as_user, alice, olivia, catalogue
):
    notice = notice_publish(
        notice=draft(
            catalogue,
            olivia,
            controller_name="Acme Robotics GmbH",
            dpo_contact="Dana Protect",
            recipients=["Model training team", "Hosting provider"],
            authority_name="Hamburg DPA",
        ),
        actor=olivia,
    )
    client = as_user(alice)

    for url in (f"/notices/{notice.version}/", "/consent/"):
        body = client.get(url).content.decode()
        assert 'data-testid="notice-statement"' in body, url
        for text in (
            "Acme Robotics GmbH",
            "Dana Protect",
            "Hosting provider",
            "Hamburg DPA",
            "Train computer-use models: Consent (Art. 6(1)(a))",
            "Your right to withdraw",
            "Your right of access",
            "stored rounded down to 50 ms or coarser",
        ):
            assert text in body, (url, text)


def test_notice_api_shows_the_statement_to_employees(client_as, alice, catalogue):
    notice = catalogue["notice"]

    body = client_as(alice).get(f"/api/v1/notices/{notice.pk}").json()

    assert body["lawful_bases"] == {catalogue["purpose"].slug: "consent"}
    assert body["controller_name"] == notice.controller_name
    assert body["dpo_contact"] == notice.dpo_contact
    assert body["recipients"] == notice.recipients
    assert body["authority_name"] == notice.authority_name
    assert body["key_timing_floor_ms"] == 50


def test_officer_form_edits_the_statement(as_user, olivia, catalogue):
    client = as_user(olivia)
    client.post("/officer/notices/new/", draft_data(catalogue))
    data = draft_data(catalogue, dpo_contact="New DPO", recipients="One\n\nTwo ")

    response = client.post("/officer/notices/2/edit/", data)

    assert response.status_code == 302
    notice = Notice.objects.get(version=2)
    assert notice.dpo_contact == "New DPO"
    assert notice.recipients == ["One", "Two"]
    assert notice.lawful_bases == {catalogue["purpose"].slug: "consent"}
    audit = AuditEvent.objects.filter(action="notice.updated").latest("seq")
    assert "dpo_contact" in audit.details["fields"]


def test_officer_form_refuses_another_basis_and_says_why(as_user, olivia, catalogue):
    slug = catalogue["purpose"].slug
    data = draft_data(catalogue, **{f"lawful_basis__{slug}": "legitimate_interests"})

    response = as_user(olivia).post("/officer/notices/new/", data)

    assert response.status_code == 400
    assert "interaction capture rests on consent only" in response.content.decode()
    assert Notice.objects.count() == 1


def test_new_draft_form_is_prefilled_from_settings(as_user, olivia, catalogue, settings):
    settings.DPO_CONTACT = "Prefilled DPO"
    Notice.objects.filter(pk=catalogue["notice"].pk).update(dpo_contact="")

    body = as_user(olivia).get("/officer/notices/new/").content.decode()

    assert "Prefilled DPO" in body
    assert f'name="lawful_basis__{catalogue["purpose"].slug}"' in body


def test_publish_form_names_the_missing_fields(as_user, olivia, catalogue):
    client = as_user(olivia)
    client.post("/officer/notices/new/", draft_data(catalogue, dpo_contact="", safeguards=""))

    page = client.get("/officer/notices/2/").content.decode()
    response = client.post("/officer/notices/2/", {})

    assert 'data-testid="statement-missing"' in page
    assert "Data protection officer contact, Safeguards." in page
    assert response.status_code == 400
    body = response.content.decode()
    assert "dpo_contact: Required to publish." in body
    assert "safeguards: Required to publish." in body
    assert not Notice.objects.get(version=2).is_published


def grant_receipt(person, scope) -> dict:
    event = consent_grant(
        employee=person.employee,
        scope=scope,
        actor=person,
        context=RequestContext(method=ConsentMethod.WEB),
    )
    return consent_receipt(event)


def test_receipt_carries_the_statement_and_the_timing_floor(alice, catalogue, scope):
    notice = catalogue["notice"]
    keys = Scope(scope.purpose, scope.application, DataKind.objects.get(slug="key"))

    receipt = grant_receipt(alice, keys)
    clicks = grant_receipt(alice, scope)

    assert verify_document(receipt, receipt["publicKey"])
    assert receipt["services"][0]["purposes"][0]["lawfulBasis"] == "consent"
    assert receipt["piiControllers"][0]["piiController"] == notice.controller_name
    assert receipt["piiControllers"][0]["contact"] == notice.controller_contact
    stated = receipt["notice"]
    assert stated["dpoContact"] == notice.dpo_contact
    assert stated["recipients"] == notice.recipients
    assert stated["rightToWithdraw"] == notice.withdrawal_right
    assert stated["rightOfAccess"] == notice.access_right
    assert stated["rightToComplain"] == {
        "authority": notice.authority_name,
        "contact": notice.authority_contact,
    }
    assert stated["keyTimingFloorMs"] == 50
    assert any("rounded to 50 ms" in line for line in stated["safeguards"])
    assert not any("rounded to 50 ms" in line for line in clicks["notice"]["safeguards"])


def test_receipt_under_a_notice_without_statement_keeps_its_shape(
    alice, legacy_notice, scope, settings
):
    receipt = grant_receipt(alice, scope)

    assert verify_document(receipt, receipt["publicKey"])
    assert "notice" not in receipt
    assert "lawfulBasis" not in receipt["services"][0]["purposes"][0]
    assert receipt["piiControllers"] == [
        {**settings.CONTROLLER, "piiControllerUrl": settings.PUBLIC_BASE_URL}
    ]
    assert receipt["noticeHash"] == legacy_notice.content_hash


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lawful_bases", ["consent"]),
        ("lawful_bases", {"train-computer-use-models": 1}),
        ("recipients", "Privacy office"),
        ("recipients", ["Privacy office", 3]),
        ("recipients", ["Line\nbreak"]),
        ("dpo_contact", 5),
        ("dpo_contact", "dpo\x00@example.com"),
        ("controller_name", "x" * 201),
        ("safeguards", "ding\x07"),
        ("authority_contact", None),
    ],
)
def test_bad_statement_input_is_400_naming_the_field(client_as, olivia, catalogue, field, value):
    before = written()
    body = api_draft(catalogue, **{field: value})

    response = client_as(olivia).post("/api/v1/notices", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert written() == before


def test_a_published_notice_statement_cannot_change(client_as, olivia, catalogue):
    published = catalogue["notice"]
    before = written()

    response = client_as(olivia).patch(
        f"/api/v1/notices/{published.pk}", {"dpo_contact": "Someone else"}, format="json"
    )

    assert response.status_code == 400
    published.refresh_from_db()
    assert published.dpo_contact != "Someone else"
    assert written() == before


def test_the_demo_notice_states_everything(db, monkeypatch):
    from django.core.management import call_command

    from governance.services.notices import notice_statement_missing

    monkeypatch.setenv("PORTAL_DEMO_PASSWORD", "demo-pass-123")
    call_command("seed_demo", people=5)

    notice = Notice.objects.get(status=Notice.Status.PUBLISHED)
    assert notice_statement_missing(notice) == {}
    assert set(notice.lawful_bases.values()) == {"consent"}
    assert notice.content_hash == notice_content_hash(notice)


def test_publish_page_names_a_missing_lawful_basis(as_user, olivia, catalogue):
    draft(catalogue, olivia, lawful_bases={})

    page = as_user(olivia).get("/officer/notices/2/").content.decode()

    assert "must state: Lawful basis for each purpose." in page


def test_a_recipient_line_too_long_for_the_column_is_a_form_error(as_user, olivia, catalogue):
    data = draft_data(catalogue, recipients="Privacy office\n" + "x" * 301)

    response = as_user(olivia).post("/officer/notices/new/", data)

    assert response.status_code == 400
    assert "each at most 300 characters" in response.content.decode()
    assert Notice.objects.count() == 1


def test_the_service_refuses_bad_statement_values_from_any_caller(catalogue, olivia):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        draft(
            catalogue,
            olivia,
            controller_name="x" * 201,
            safeguards=None,
            lawful_bases=["consent"],
            colour="blue",
        )

    assert set(refused.value.message_dict) == {
        "controller_name",
        "safeguards",
        "lawful_bases",
        "colour",
    }
    assert Notice.objects.count() == 1
