"""Notices: published text is frozen; a material change lapses older consents as events."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.models import ConsentEvent, ConsentState, Notice
from governance.selectors.consent import consent_needs_review
from governance.selectors.notices import notice_current
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.notices import (
    notice_content_hash,
    notice_create,
    notice_publish,
    notice_update,
)
from governance.tasks.notices import notice_lapse_consents, notices_apply_due
from tests.factories import publish_notice

CTX = RequestContext()


def test_published_notice_has_a_content_hash_and_is_current(catalogue):
    notice = catalogue["notice"]
    assert notice.is_published and len(notice.content_hash) == 64
    assert notice.content_hash == notice_content_hash(notice)
    assert notice_current() == notice


def test_published_notice_cannot_be_edited(catalogue, olivia):
    with pytest.raises(ValidationError):
        notice_update(notice=catalogue["notice"], actor=olivia, body="changed")
    assert Notice.objects.get(pk=catalogue["notice"].pk).body != "changed"


def test_draft_needs_text_and_scopes(catalogue, olivia):
    with pytest.raises(ValidationError) as err:
        notice_create(actor=olivia, title="", body="", purposes=[], applications=[], data_kinds=[])
    assert {"title", "body", "purposes", "applications", "data_kinds"} <= set(
        err.value.message_dict
    )
    assert Notice.objects.count() == 1


def test_material_change_lapses_older_grants_with_events(catalogue, olivia, alice, bob, scope):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=CTX)
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=CTX)
    consent_withdraw(employee=bob.employee, scope=scope, actor=bob, context=CTX)
    notice = publish_notice(olivia, catalogue, material=True, body="A materially new text.")
    state = ConsentState.objects.get(employee=alice.employee)
    assert state.state == ConsentState.State.LAPSED and state.notice == notice
    lapse = ConsentEvent.objects.get(employee=alice.employee, action="lapsed")
    assert lapse.notice_version == notice.version and lapse.method == "system"
    assert consent_needs_review(employee=alice.employee)
    # Withdrawn consent stays withdrawn: nothing to lapse.
    assert ConsentState.objects.get(employee=bob.employee).state == "withdrawn"
    assert not consent_needs_review(employee=bob.employee)
    # Granting again under the new notice clears the review.
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=CTX)
    assert not consent_needs_review(employee=alice.employee)


def test_non_material_change_keeps_consents(catalogue, olivia, alice, scope):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=CTX)
    publish_notice(olivia, catalogue, material=False, body="Typo fixed.")
    assert ConsentState.objects.get(employee=alice.employee).state == "granted"
    assert not ConsentEvent.objects.filter(action="lapsed").exists()


def test_future_material_notice_lapses_when_it_takes_effect(catalogue, olivia, alice, scope):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=CTX)
    notice = notice_create(
        actor=olivia,
        title="Next year",
        body="New terms from next week.",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
        material_change=True,
        effective_at=timezone.now() + timedelta(days=7),
    )
    notice_publish(notice=notice, actor=olivia)
    assert ConsentState.objects.get(employee=alice.employee).state == "granted"
    assert notices_apply_due() == 0
    Notice.objects.filter(pk=notice.pk).update(effective_at=timezone.now())
    # Beat sends the lapse task (here run in this process) until the lapse is applied.
    assert notices_apply_due() == 1
    assert ConsentState.objects.get(employee=alice.employee).state == "granted"
    assert notice_lapse_consents(notice.pk) == 1
    assert ConsentState.objects.get(employee=alice.employee).state == "lapsed"
    assert notices_apply_due() == 0
    assert notice_lapse_consents(notice.pk) == 0
