"""A material notice lapses older grants in batches, from a task, after publication.

Publishing lapses a first batch itself and leaves the rest owed; the task (run
here in this process; tests/consent runs it on a real worker) lapses the rest.
Meanwhile the ingestion gate already ignores the grants the notice replaced, and
a grant given after publication is under the new notice and never lapsed.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import AuditEvent, ConsentEvent, ConsentState, InteractionEvent, Notice
from governance.selectors.consent import consent_needs_review
from governance.services.audit import audit_verify
from governance.services.consent import RequestContext, consent_grant
from governance.services.notices import notice_create, notice_publish
from governance.services.scopes import Scope
from governance.tasks.notices import notice_lapse_consents
from tests.consent.test_consent_fold import assert_state_is_fold
from tests.factories import make_user
from tests.ingestion.helpers import batch, event, post

CTX = RequestContext()


@pytest.fixture
def scopes(catalogue):
    return [
        Scope(catalogue["purpose"], app, kind)
        for app in catalogue["applications"][:1]
        for kind in catalogue["kinds"][:3]
    ]


@pytest.fixture
def people(catalogue, scopes):
    users = [make_user(f"p{i}@example.com") for i in range(4)]
    for user in users:
        for scope in scopes:
            consent_grant(employee=user.employee, scope=scope, actor=user, context=CTX)
    return users


def _material_draft(olivia, catalogue, *, effective_at=None) -> Notice:
    return notice_create(
        actor=olivia,
        title="Recording, changed",
        body="We now keep menus for longer.",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
        material_change=True,
        effective_at=effective_at,
    )


def _stale_grants() -> int:
    return ConsentState.objects.filter(state="granted", notice__version=1).count()


def test_publish_lapses_a_first_batch_and_the_task_the_rest(
    catalogue, olivia, people, scopes, monkeypatch
):
    monkeypatch.setattr("governance.services.notices.LAPSE_BATCH_SIZE", 2)
    notice = notice_publish(notice=_material_draft(olivia, catalogue), actor=olivia)

    notice.refresh_from_db()
    assert notice.lapse_started_at is not None and notice.lapse_applied_at is None
    first = ConsentEvent.objects.filter(action="lapsed").count()
    # A batch takes whole people: every grant of the (one or two) people it reached.
    assert first in (3, 6) and _stale_grants() == 12 - first

    assert notice_lapse_consents(notice.pk) == 12 - first
    notice.refresh_from_db()
    assert notice.lapse_applied_at is not None and _stale_grants() == 0
    for user in people:
        assert consent_needs_review(employee=user.employee)
        for scope in scopes:
            events = assert_state_is_fold(user.employee, scope)
            assert [e.action for e in events] == ["granted", "lapsed"]
            assert events[-1].notice_version == notice.version
    summary = AuditEvent.objects.get(action="notice.consents_lapsed")
    assert summary.details == {"version": notice.version, "lapsed": 12}
    assert AuditEvent.objects.filter(action="consent.lapsed").count() == 12
    # Safe to run again: nothing left, nothing written.
    assert notice_lapse_consents(notice.pk) == 0
    assert AuditEvent.objects.filter(action="notice.consents_lapsed").count() == 1
    assert audit_verify().ok


def test_gate_ignores_replaced_grants_before_the_lapse_reaches_them(
    client, token, catalogue, olivia, monkeypatch
):
    vscode = catalogue["applications"][0]
    key = next(k for k in catalogue["kinds"] if k.slug == "key")
    users = [make_user(f"typist{i}@example.com") for i in range(3)]
    for user in users:
        consent_grant(
            employee=user.employee,
            scope=Scope(catalogue["purpose"], vscode, key),
            actor=user,
            context=CTX,
        )
    monkeypatch.setattr("governance.services.notices.LAPSE_BATCH_SIZE", 1)
    notice_publish(notice=_material_draft(olivia, catalogue), actor=olivia)
    # The first batch reached one person; the others' state rows still say granted.
    assert _stale_grants() == 2

    response = post(client, token, batch([event(u.email) for u in users]))

    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 0
    assert response.json()["dropped"] == {"no_consent": 3}
    assert not InteractionEvent.objects.exists()


def test_a_grant_after_the_notice_takes_effect_is_never_lapsed(
    client, token, catalogue, olivia, alice, bob
):
    vscode = catalogue["applications"][0]
    key = next(k for k in catalogue["kinds"] if k.slug == "key")
    scope = Scope(catalogue["purpose"], vscode, key)
    for user in (alice, bob):
        consent_grant(employee=user.employee, scope=scope, actor=user, context=CTX)
    notice = notice_publish(
        notice=_material_draft(olivia, catalogue, effective_at=timezone.now() + timedelta(days=1)),
        actor=olivia,
    )
    # Bob grants again while the old text is still in effect: the grant is a repeat.
    assert consent_grant(employee=bob.employee, scope=scope, actor=bob, context=CTX) is None
    Notice.objects.filter(pk=notice.pk).update(effective_at=timezone.now())
    # In effect, not yet applied by beat or the task: the gate already ignores both grants.
    response = post(client, token, batch([event(alice.email), event(bob.email)]))
    assert response.json()["dropped"] == {"no_consent": 2}

    # Alice reads the new text and grants: her old grant lapses, the new one stands.
    event_ = consent_grant(employee=alice.employee, scope=scope, actor=alice, context=CTX)
    assert event_.action == "granted" and event_.notice_version == notice.version
    assert notice_lapse_consents(notice.pk) == 1  # bob's

    alice_events = assert_state_is_fold(alice.employee, scope)
    assert [(e.action, e.notice_version) for e in alice_events] == [
        ("granted", 1),
        ("lapsed", notice.version),
        ("granted", notice.version),
    ]
    assert not consent_needs_review(employee=alice.employee)
    assert [e.action for e in assert_state_is_fold(bob.employee, scope)] == ["granted", "lapsed"]
    assert consent_needs_review(employee=bob.employee)
    # Both lapses were this notice's: the one the grant recorded and the task's.
    summary = AuditEvent.objects.get(action="notice.consents_lapsed")
    assert summary.details["lapsed"] == 2
    response = post(client, token, batch([event(alice.email), event(bob.email)]))
    assert response.json()["accepted"] == 1
    assert response.json()["dropped"] == {"no_consent": 1}
    assert audit_verify().ok
