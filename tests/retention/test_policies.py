"""Officers' retention policies: validated, audited, and "longest keep wins"."""

import pytest
from django.core.exceptions import ValidationError

from governance.models import AuditEvent, RetentionPolicy
from governance.services.retention import (
    effective_keep,
    retention_policy_create,
    retention_policy_disable,
    retention_policy_update,
)


def audits(action: str):
    return AuditEvent.objects.filter(action=action).order_by("seq")


def test_officer_creates_a_policy_and_the_audit_log_says_what_it_keeps(olivia, vscode, kind):
    policy = retention_policy_create(
        actor=olivia,
        name="  Keystrokes in VS Code ",
        store="events",
        keep_days=30,
        applications=[vscode],
        data_kinds=[kind["key"]],
    )
    policy.refresh_from_db()
    assert policy.name == "Keystrokes in VS Code" and policy.enabled
    assert policy.created_by == olivia
    assert list(policy.applications.all()) == [vscode]
    event = audits("retention_policy.created").get()
    assert event.target_id == str(policy.pk) and event.actor_id == str(olivia.pk)
    assert event.details == {
        "name": "Keystrokes in VS Code",
        "store": "events",
        "keep_days": 30,
        "legal_minimum": False,
        "purposes": "all",
        "applications": ["vscode"],
        "data_kinds": ["key"],
        "enabled": True,
    }


def test_empty_lists_mean_every_application_and_kind(olivia, catalogue):
    retention_policy_create(actor=olivia, name="Everything", store="sessions", keep_days=90)
    details = audits("retention_policy.created").get().details
    assert details["applications"] == "all" and details["data_kinds"] == "all"


@pytest.mark.parametrize(
    "fields, bad",
    [
        ({"name": " ", "store": "events", "keep_days": 30}, {"name"}),
        ({"name": "x" * 121, "store": "events", "keep_days": 30}, {"name"}),
        ({"name": "A", "store": "backups", "keep_days": 30}, {"store"}),
        ({"name": "A", "store": "events", "keep_days": 0}, {"keep_days"}),
        ({"name": "A", "store": "events", "keep_days": "30"}, {"keep_days"}),
        ({"name": "A", "store": "events", "keep_days": True}, {"keep_days"}),
        ({"name": "A", "store": "events", "keep_days": 10**6}, {"keep_days"}),
        ({"name": "", "store": "", "keep_days": -1}, {"name", "store", "keep_days"}),
    ],
)
def test_bad_policies_are_refused_field_by_field(olivia, fields, bad):
    with pytest.raises(ValidationError) as caught:
        retention_policy_create(actor=olivia, **fields)
    assert set(caught.value.message_dict) == bad
    assert not RetentionPolicy.objects.exists()
    assert not audits("retention_policy.created").exists()


def test_update_audits_what_changed_and_nothing_when_nothing_did(olivia, vscode, calc):
    policy = retention_policy_create(actor=olivia, name="Code", store="events", keep_days=30)
    policy = retention_policy_update(
        policy=policy, actor=olivia, keep_days=60, applications=[vscode, calc]
    )
    assert policy.keep_days == 60
    event = audits("retention_policy.updated").get()
    assert event.details["changed"] == ["applications", "keep_days"]
    assert event.details["applications"] == ["calc", "vscode"]
    retention_policy_update(policy=policy, actor=olivia, keep_days=60, name="Code")
    assert audits("retention_policy.updated").count() == 1


def test_update_refuses_unknown_fields_and_bad_values(olivia):
    policy = retention_policy_create(actor=olivia, name="Code", store="events", keep_days=30)
    with pytest.raises(ValidationError) as caught:
        retention_policy_update(policy=policy, actor=olivia, created_by=None)
    assert set(caught.value.message_dict) == {"created_by"}
    with pytest.raises(ValidationError) as caught:
        retention_policy_update(policy=policy, actor=olivia, store="nowhere", keep_days=0)
    assert set(caught.value.message_dict) == {"store", "keep_days"}
    policy.refresh_from_db()
    assert (policy.store, policy.keep_days) == ("events", 30)


def test_disable_is_audited_once(olivia):
    policy = retention_policy_create(actor=olivia, name="Code", store="events", keep_days=30)
    policy = retention_policy_disable(policy=policy, actor=olivia)
    assert not policy.enabled
    retention_policy_disable(policy=policy, actor=olivia)
    assert audits("retention_policy.disabled").count() == 1
    assert effective_keep("events").rules == ()


def test_shortest_keep_wins_where_policies_overlap(olivia, vscode, calc, kind):
    everything = retention_policy_create(actor=olivia, name="All", store="events", keep_days=30)
    retention_policy_create(
        actor=olivia,
        name="Code keys",
        store="events",
        keep_days=90,
        applications=[vscode],
        data_kinds=[kind["key"]],
    )
    short = retention_policy_create(
        actor=olivia, name="Code, short", store="events", keep_days=10, applications=[vscode]
    )
    retention_policy_create(actor=olivia, name="Off", store="events", keep_days=5, enabled=False)
    retention_policy_create(actor=olivia, name="Sessions", store="sessions", keep_days=4)
    keep = effective_keep("events")
    assert keep.keep_days(vscode.pk, kind["key"].pk) == 10
    assert keep.winner(vscode.pk, kind["key"].pk).policy_id == short.pk
    assert keep.keep_days(vscode.pk, kind["pointer"].pk) == 10
    assert keep.winner(calc.pk, kind["key"].pk).policy_id == everything.pk
    matrix = {(a.slug, k.slug): rule for a, k, rule in keep.matrix()}
    assert matrix["vscode", "key"].keep_days == 10
    assert matrix["calc", "scroll"].keep_days == 30


def test_the_longest_legal_minimum_is_a_floor_under_the_shortest_keep(olivia, vscode, calc, kind):
    retention_policy_create(actor=olivia, name="All", store="events", keep_days=30)
    tax = retention_policy_create(
        actor=olivia,
        name="Tax records",
        store="events",
        keep_days=90,
        applications=[vscode],
        legal_minimum=True,
    )
    retention_policy_create(
        actor=olivia,
        name="Audit law",
        store="events",
        keep_days=60,
        applications=[vscode],
        legal_minimum=True,
    )
    calc_law = retention_policy_create(
        actor=olivia,
        name="Calc law",
        store="events",
        keep_days=20,
        applications=[calc],
        legal_minimum=True,
    )
    keep = effective_keep("events")
    assert keep.winner(vscode.pk, kind["key"].pk).policy_id == tax.pk
    assert keep.keep_days(vscode.pk, kind["key"].pk) == 90
    # A floor shorter than the shortest keep changes nothing.
    assert keep.keep_days(calc.pk, kind["key"].pk) == 30
    assert keep.winner(calc.pk, kind["key"].pk).policy_id != calc_law.pk


def test_a_purpose_scoped_policy_covers_only_its_purposes(olivia, catalogue, vscode, kind):
    train, other = catalogue["purpose"], catalogue["prohibited"]
    scoped = retention_policy_create(
        actor=olivia, name="Training", store="events", keep_days=30, purposes=[train]
    )
    keep = effective_keep("events")
    assert keep.winner(vscode.pk, kind["key"].pk, train.pk).policy_id == scoped.pk
    assert keep.winner(vscode.pk, kind["key"].pk, other.pk) is None
    # Data naming no purpose (activity days) is covered by a policy of any purpose.
    assert keep.keep_days(vscode.pk, kind["key"].pk) == 30
    assert audits("retention_policy.created").get().details["purposes"] == [train.slug]


def test_data_no_policy_covers_has_no_keep(olivia, vscode, calc, kind):
    retention_policy_create(
        actor=olivia, name="Calc", store="events", keep_days=5, applications=[calc]
    )
    keep = effective_keep("events")
    assert keep.keep_days(vscode.pk, kind["key"].pk) is None
    assert keep.keep_days(calc.pk, kind["key"].pk) == 5
    assert effective_keep("activity").keep_days(calc.pk, kind["key"].pk) is None
