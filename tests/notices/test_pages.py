"""Officer notice pages: draft, edit, publish; a material change lapses older consents."""

from governance.models import AuditEvent, ConsentMethod, ConsentState, Notice
from governance.services.consent import RequestContext, consent_grant
from governance.services.notices import notice_create


def draft_data(catalogue, **overrides) -> dict:
    data = {
        "title": "Recording v2",
        "language": "en",
        "body": "We now also record menus.",
        "purposes": [catalogue["purpose"].pk],
        "applications": [app.pk for app in catalogue["applications"]],
        "data_kinds": [kind.pk for kind in catalogue["kinds"]],
        **statement_data(catalogue),
    }
    return {**data, **overrides}


def statement_data(catalogue) -> dict:
    """What a notice must state to be published, as the form posts it."""
    return {
        f"lawful_basis__{catalogue['purpose'].slug}": "consent",
        "controller_name": "Example Corp",
        "controller_contact": "1 Example Street, Berlin; privacy@example.com",
        "dpo_contact": "dpo@example.com",
        "recipients": "Privacy office\nModel training teams",
        "withdrawal_right": "Withdraw at any time on My consent.",
        "access_right": "See your data on My data.",
        "authority_name": "Berlin Commissioner for Data Protection",
        "authority_contact": "https://www.datenschutz-berlin.de/",
        "safeguards": "Passwords are never recorded.",
    }


def test_new_draft_form_starts_from_the_latest_version(as_user, olivia, catalogue):
    body = as_user(olivia).get("/officer/notices/new/").content.decode()
    assert catalogue["notice"].body in body
    assert "Starts from version 1" in body


def test_officer_drafts_a_notice_through_the_form(as_user, olivia, catalogue):
    response = as_user(olivia).post("/officer/notices/new/", draft_data(catalogue))
    notice = Notice.objects.get(version=2)
    assert response["Location"] == "/officer/notices/2/"
    assert notice.status == Notice.Status.DRAFT
    assert notice.applications.count() == 2
    assert AuditEvent.objects.filter(action="notice.created", target_id=str(notice.pk)).exists()


def test_draft_errors_are_shown_and_nothing_is_written(as_user, olivia, catalogue):
    client = as_user(olivia)
    data = draft_data(catalogue, title="", purposes=[catalogue["prohibited"].pk])
    response = client.post("/officer/notices/new/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body
    assert "Select a valid choice." in body  # prohibited purposes are not offered
    assert Notice.objects.count() == 1
    assert not AuditEvent.objects.filter(action="notice.created", details__version=2).exists()


def test_officer_edits_a_draft(as_user, olivia, catalogue):
    client = as_user(olivia)
    client.post("/officer/notices/new/", draft_data(catalogue))
    response = client.post("/officer/notices/2/edit/", draft_data(catalogue, title="Better title"))
    assert response.status_code == 302
    assert Notice.objects.get(version=2).title == "Better title"


def test_published_notice_cannot_be_edited(as_user, olivia, catalogue):
    client = as_user(olivia)
    response = client.get("/officer/notices/1/edit/", follow=True)
    assert "A published notice never changes" in response.content.decode()
    response = client.post("/officer/notices/1/edit/", draft_data(catalogue, title="Changed"))
    assert response.status_code == 400
    assert "A published notice cannot change" in response.content.decode()
    assert Notice.objects.get(version=1).title == catalogue["notice"].title


def test_publishing_a_material_change_lapses_consents_and_says_how_many(
    as_user, olivia, alice, bob, catalogue, scope, other_scope
):
    for person, granted in ((alice, scope), (bob, scope), (bob, other_scope)):
        consent_grant(
            employee=person.employee,
            scope=granted,
            actor=person,
            context=RequestContext(method=ConsentMethod.WEB),
        )
    client = as_user(olivia)
    client.post("/officer/notices/new/", draft_data(catalogue))
    page = client.get("/officer/notices/2/").content.decode()
    assert "lapse the 3 grants" in page

    response = client.post("/officer/notices/2/", {"material_change": "on"}, follow=True)
    notice = Notice.objects.get(version=2)
    assert notice.is_published and notice.material_change
    body = response.content.decode()
    assert "Published version 2." in body
    assert "3 consents given under earlier versions lapsed" in body
    assert '<dd data-testid="lapsed-count">3</dd>' in body
    assert ConsentState.objects.filter(state="lapsed").count() == 3


def test_publishing_without_material_change_keeps_consents(
    as_user, olivia, alice, catalogue, scope
):
    consent_grant(
        employee=alice.employee,
        scope=scope,
        actor=alice,
        context=RequestContext(method=ConsentMethod.WEB),
    )
    notice = notice_create(
        actor=olivia,
        title="Typo fix",
        body="Same, spelled right.",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
        material_change=True,
    )
    response = as_user(olivia).post(f"/officer/notices/{notice.version}/", {}, follow=True)
    notice.refresh_from_db()
    assert notice.is_published and not notice.material_change
    assert ConsentState.objects.get(employee=alice.employee).state == "granted"
    assert '<div class="message message-success">Published version 2.</div>' in (
        response.content.decode()
    )


def test_notice_list_shows_versions_and_which_is_in_effect(as_user, olivia, catalogue):
    body = as_user(olivia).get("/officer/notices/").content.decode()
    assert 'data-version="1"' in body
    assert "In effect" in body
