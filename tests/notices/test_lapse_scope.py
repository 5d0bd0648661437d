"""A material notice lapses only the scopes the officer names; additions must be material.

The lapse batches, a grant over a stale grant and the ingestion gate follow the
same rule, so capture stops for exactly what lapsed and nothing else.
"""

import pytest

from governance.models import Application, AuditEvent, ConsentState, Notice, Purpose
from governance.services.audit import audit_verify
from governance.services.consent import RequestContext, consent_grant
from governance.services.notices import notice_content_hash, notice_create, notice_publish
from governance.services.scopes import Scope
from governance.tasks.notices import notice_lapse_consents
from tests.conftest import written
from tests.consent.test_consent_fold import assert_state_is_fold
from tests.factories import make_user
from tests.ingestion.helpers import batch, event, post

CTX = RequestContext()


def _draft(olivia, catalogue, **fields) -> Notice:
    return notice_create(
        actor=olivia,
        title="Recording, changed",
        body=fields.pop("body", "We now keep Calc's data for longer."),
        purposes=fields.pop("purposes", [catalogue["purpose"]]),
        applications=fields.pop("applications", catalogue["applications"]),
        data_kinds=catalogue["kinds"],
        **fields,
    )


@pytest.fixture
def key(catalogue):
    return next(k for k in catalogue["kinds"] if k.slug == "key")


@pytest.fixture
def typists(catalogue, key):
    """Three people who each granted keystrokes in both VS Code and Calc."""
    users = [make_user(f"typist{i}@example.com") for i in range(3)]
    for user in users:
        for app in catalogue["applications"]:
            scope = Scope(catalogue["purpose"], app, key)
            consent_grant(employee=user.employee, scope=scope, actor=user, context=CTX)
    return users


def _states(app) -> set[str]:
    return set(ConsentState.objects.filter(application=app).values_list("state", flat=True))


def test_a_material_change_to_one_application_lapses_only_its_grants(
    catalogue, olivia, typists, key
):
    vscode, calc = catalogue["applications"]
    notice = notice_publish(
        notice=_draft(olivia, catalogue, material_change=True, lapse_applications=[calc]),
        actor=olivia,
    )

    notice.refresh_from_db()
    assert notice.lapse_applied_at is not None
    assert _states(calc) == {"lapsed"} and _states(vscode) == {"granted"}
    for user in typists:
        lapsed = assert_state_is_fold(user.employee, Scope(catalogue["purpose"], calc, key))
        assert [(e.action, e.notice_version) for e in lapsed] == [
            ("granted", 1),
            ("lapsed", notice.version),
        ]
        kept = assert_state_is_fold(user.employee, Scope(catalogue["purpose"], vscode, key))
        assert [e.action for e in kept] == ["granted"]
    summary = AuditEvent.objects.get(action="notice.consents_lapsed")
    assert summary.details == {"version": notice.version, "lapsed": 3}
    assert audit_verify().ok


def test_the_gate_follows_the_lapse_scope_before_the_batches_reach_people(
    client, token, catalogue, olivia, typists, monkeypatch
):
    vscode, calc = catalogue["applications"]
    monkeypatch.setattr("governance.services.notices.LAPSE_BATCH_SIZE", 1)
    notice = notice_publish(
        notice=_draft(olivia, catalogue, material_change=True, lapse_applications=[calc]),
        actor=olivia,
    )
    # The first batch reached one person; the others' Calc grants still say granted.
    assert ConsentState.objects.filter(application=calc, state="granted").count() == 2

    events = [event(u.email, app=app) for u in typists for app in ("code", "soffice.bin")]
    response = post(client, token, batch(events))

    assert response.status_code == 200, response.content
    # VS Code is outside the change: still consented. Calc's grants are replaced.
    assert response.json()["accepted"] == 3
    assert response.json()["dropped"] == {"no_consent": 3}

    assert notice_lapse_consents(notice.pk) == 2
    assert _states(calc) == {"lapsed"} and _states(vscode) == {"granted"}


def test_a_grant_over_a_grant_outside_the_lapse_scope_is_a_repeat(
    catalogue, olivia, typists, key, monkeypatch
):
    vscode, calc = catalogue["applications"]
    monkeypatch.setattr("governance.services.notices.LAPSE_BATCH_SIZE", 1)
    notice = notice_publish(
        notice=_draft(olivia, catalogue, material_change=True, lapse_applications=[calc]),
        actor=olivia,
    )
    last = typists[-1].employee  # batches go in employee order: not reached yet
    assert ConsentState.objects.get(employee=last, application=calc).state == "granted"

    kept = Scope(catalogue["purpose"], vscode, key)
    assert consent_grant(employee=last, scope=kept, actor=typists[-1], context=CTX) is None
    renewed = consent_grant(
        employee=last, scope=Scope(catalogue["purpose"], calc, key), actor=typists[-1], context=CTX
    )
    assert renewed.notice_version == notice.version
    events = assert_state_is_fold(last, Scope(catalogue["purpose"], calc, key))
    assert [(e.action, e.notice_version) for e in events] == [
        ("granted", 1),
        ("lapsed", notice.version),
        ("granted", notice.version),
    ]


def test_a_notice_with_no_lapse_scope_lapses_every_older_grant(catalogue, olivia, typists):
    notice_publish(notice=_draft(olivia, catalogue, material_change=True), actor=olivia)
    assert set(ConsentState.objects.values_list("state", flat=True)) == {"lapsed"}


def test_the_lapse_scope_is_part_of_the_content_hash(catalogue, olivia):
    calc = catalogue["applications"][1]
    notice = _draft(olivia, catalogue, material_change=True)
    everything = notice_content_hash(notice)

    notice.lapse_applications.set([calc])
    only_calc = notice_content_hash(notice)
    notice.lapse_applications.set([])

    assert only_calc != everything
    # Lapsing everything hashes as a notice did before lapse scopes existed.
    assert notice_content_hash(notice) == everything


def test_a_lapse_scope_needs_a_material_change_within_the_notice(catalogue, olivia):
    calc = catalogue["applications"][1]
    stranger = Application.objects.create(slug="gimp", name="GIMP", identifiers=["gimp"])
    before = Notice.objects.count()

    with pytest.raises(Exception) as not_material:
        _draft(olivia, catalogue, lapse_applications=[calc])
    with pytest.raises(Exception) as outside:
        _draft(olivia, catalogue, material_change=True, lapse_applications=[stranger])

    assert "Only a material change" in str(not_material.value.message_dict["lapse_applications"])
    assert "GIMP" in str(outside.value.message_dict["lapse_applications"])
    assert Notice.objects.count() == before


# The API and the pages.


def test_officer_sets_the_lapse_scope_through_the_api(client_as, olivia, catalogue):
    body = {
        "title": "Recording, changed",
        "body": "Calc only.",
        "purposes": [catalogue["purpose"].slug],
        "applications": ["vscode", "calc"],
        "data_kinds": ["key", "click"],
        "material_change": True,
        "lapse_applications": ["calc"],
        "lapse_data_kinds": ["key"],
    }
    response = client_as(olivia).post("/api/v1/notices", body, format="json")

    assert response.status_code == 201, response.content
    created = response.json()
    assert created["lapse_applications"] == ["calc"]
    assert created["lapse_data_kinds"] == ["key"]
    assert created["lapse_purposes"] == []
    notice = Notice.objects.get(pk=created["id"])
    assert list(notice.lapse_applications.values_list("slug", flat=True)) == ["calc"]

    response = client_as(olivia).patch(
        f"/api/v1/notices/{notice.pk}", {"lapse_data_kinds": []}, format="json"
    )
    assert response.status_code == 200 and response.json()["lapse_data_kinds"] == []


@pytest.mark.parametrize(
    ("extra", "field", "says"),
    [
        ({"lapse_applications": ["calc"]}, "lapse_applications", "Only a material change"),
        (
            {"material_change": True, "lapse_data_kinds": ["scroll"]},
            "lapse_data_kinds",
            "Not covered by this notice",
        ),
        ({"material_change": True, "lapse_purposes": ["nope"]}, "lapse_purposes", "nope"),
        ({"material_change": True, "lapse_purposes": "calc"}, "lapse_purposes", ""),
        ({"material_change": True, "lapse_applications": ["calc\x00"]}, "lapse_applications", ""),
    ],
)
def test_a_bad_lapse_scope_is_a_400_naming_the_field_and_writes_nothing(
    client_as, olivia, catalogue, extra, field, says
):
    before = written()
    body = {
        "title": "Recording, changed",
        "body": "Text.",
        "purposes": [catalogue["purpose"].slug],
        "applications": ["vscode", "calc"],
        "data_kinds": ["key"],
        **extra,
    }

    response = client_as(olivia).post("/api/v1/notices", body, format="json")

    assert response.status_code == 400, response.content
    assert says in str(response.json()[field])
    assert written() == before


def test_publishing_an_addition_as_non_material_is_a_400_naming_it(client_as, olivia, catalogue):
    search = Purpose.objects.create(slug="improve-search", name="Improve search")
    gimp = Application.objects.create(slug="gimp", name="GIMP", identifiers=["gimp"])
    draft = _draft(
        olivia,
        catalogue,
        purposes=[catalogue["purpose"], search],
        applications=[*catalogue["applications"], gimp],
    )
    before = written()

    response = client_as(olivia).post(f"/api/v1/notices/{draft.pk}/publish")

    assert response.status_code == 400, response.content
    [message] = response.json()["material_change"]
    assert "purposes: Improve search" in message and "applications: GIMP" in message
    assert "material change" in message
    draft.refresh_from_db()
    assert not draft.is_published and written() == before


def test_a_non_material_notice_that_adds_nothing_publishes(client_as, olivia, catalogue):
    # Dropping an application is no addition: nobody is asked for anything new.
    draft = _draft(olivia, catalogue, applications=catalogue["applications"][:1])
    response = client_as(olivia).post(f"/api/v1/notices/{draft.pk}/publish")
    assert response.status_code == 200, response.content


def test_an_addition_published_as_material_and_scoped_to_it_lapses_nothing(
    olivia, catalogue, typists
):
    gimp = Application.objects.create(slug="gimp", name="GIMP", identifiers=["gimp"])
    draft = _draft(
        olivia,
        catalogue,
        applications=[*catalogue["applications"], gimp],
        material_change=True,
        lapse_applications=[gimp],
    )
    notice_publish(notice=draft, actor=olivia)
    assert set(ConsentState.objects.values_list("state", flat=True)) == {"granted"}


def test_publish_form_names_the_addition(as_user, olivia, catalogue):
    gimp = Application.objects.create(slug="gimp", name="GIMP", identifiers=["gimp"])
    draft = _draft(olivia, catalogue, applications=[*catalogue["applications"], gimp])

    response = as_user(olivia).post(f"/officer/notices/{draft.version}/", {})

    assert response.status_code == 400
    assert "applications: GIMP" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published


def test_notice_form_saves_the_lapse_scope_and_the_page_shows_it(as_user, olivia, catalogue):
    client = as_user(olivia)
    form = {
        "title": "Recording, changed",
        "language": "en",
        "body": "Calc only.",
        "purposes": [catalogue["purpose"].pk],
        "applications": [a.pk for a in catalogue["applications"]],
        "data_kinds": [k.pk for k in catalogue["kinds"]],
        "material_change": "on",
        "lapse_applications": [catalogue["applications"][1].pk],
    }
    response = client.post("/officer/notices/new/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    notice = Notice.objects.order_by("-version").first()
    assert list(notice.lapse_applications.all()) == [catalogue["applications"][1]]
    detail = client.get(f"/officer/notices/{notice.version}/").content.decode()
    assert 'data-testid="lapse-scope"' in detail and "LibreOffice Calc" in detail

    del form["material_change"]
    response = client.post("/officer/notices/new/", form)
    assert response.status_code == 400
    assert "Only a material change lapses consent" in response.content.decode()
