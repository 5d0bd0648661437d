"""ConsentHolding always equals what ConsentState implies, whatever changed the states.

The aggregates count holders from ConsentHolding, so a holding that drifts from
the states would report consent nobody holds (or hide consent somebody does).
"""

from collections import Counter

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.models import ConsentHolding, ConsentState, DataKind, Purpose
from governance.selectors.consent import consent_aggregates
from governance.services.consent import (
    RequestContext,
    consent_grant,
    consent_withdraw,
    consent_withdraw_all,
)
from governance.services.notices import notice_create, notice_publish
from governance.services.scopes import Scope
from governance.tasks.notices import notice_lapse_consents
from tests.factories import make_user, publish_notice

CTX = RequestContext()


def holdings_from_states() -> dict[tuple[int, int | None], int]:
    """Granted scopes per person and purpose, and per person in all (purpose None)."""
    counts: Counter = Counter()
    for employee_id, purpose_id in ConsentState.objects.filter(
        state=ConsentState.State.GRANTED
    ).values_list("employee_id", "purpose_id"):
        counts[employee_id, purpose_id] += 1
        counts[employee_id, None] += 1
    return dict(counts)


def assert_holdings_match_states() -> None:
    held = {
        (employee_id, purpose_id): granted
        for employee_id, purpose_id, granted in ConsentHolding.objects.values_list(
            "employee_id", "purpose_id", "granted"
        )
        if granted  # a row that went back to zero stays, and means nothing held
    }
    assert held == holdings_from_states()


@pytest.fixture
def scopes(catalogue):
    return [
        Scope(catalogue["purpose"], app, kind)
        for app in catalogue["applications"]
        for kind in catalogue["kinds"][:2]
    ]


def test_grants_and_withdrawals_keep_holdings_in_step(alice, bob, scopes):
    for scope in scopes:
        consent_grant(employee=alice.employee, scope=scope, actor=alice, context=CTX)
    consent_grant(employee=bob.employee, scope=scopes[0], actor=bob, context=CTX)
    assert_holdings_match_states()
    assert ConsentHolding.objects.get(employee=alice.employee, purpose=None).granted == 4

    consent_withdraw(employee=alice.employee, scope=scopes[1], actor=alice, context=CTX)
    # Repeats write nothing, to the states or the holdings.
    consent_withdraw(employee=alice.employee, scope=scopes[1], actor=alice, context=CTX)
    consent_grant(employee=bob.employee, scope=scopes[0], actor=bob, context=CTX)
    assert_holdings_match_states()
    assert ConsentHolding.objects.get(employee=alice.employee, purpose=None).granted == 3

    consent_withdraw_all(employee=alice.employee, actor=alice, context=CTX)
    assert_holdings_match_states()
    assert ConsentHolding.objects.get(employee=alice.employee, purpose=None).granted == 0
    assert ConsentHolding.objects.get(employee=bob.employee, purpose=None).granted == 1


def test_a_holding_out_of_step_is_put_right_by_the_next_change_not_refused(alice, scopes):
    """Holdings written by code that predates them (a rolling deploy) must not block a
    withdrawal: each change recounts the person's holdings from their states."""
    for scope in scopes[:2]:
        consent_grant(employee=alice.employee, scope=scope, actor=alice, context=CTX)
    ConsentHolding.objects.filter(employee=alice.employee).delete()
    consent_withdraw(employee=alice.employee, scope=scopes[0], actor=alice, context=CTX)
    assert_holdings_match_states()
    ConsentHolding.objects.filter(employee=alice.employee).update(granted=0)
    consent_withdraw(employee=alice.employee, scope=scopes[1], actor=alice, context=CTX)
    assert_holdings_match_states()
    assert ConsentHolding.objects.get(employee=alice.employee, purpose=None).granted == 0


def test_a_material_notice_lapse_empties_the_holdings_it_lapses(
    catalogue, olivia, scopes, monkeypatch
):
    users = [make_user(f"holder{i}@example.com") for i in range(3)]
    for user in users:
        for scope in scopes:
            consent_grant(employee=user.employee, scope=scope, actor=user, context=CTX)
    monkeypatch.setattr("governance.services.notices.LAPSE_BATCH_SIZE", 4)
    notice = publish_notice(olivia, catalogue, material=True, body="We now keep menus for longer.")
    # Publication lapsed a first batch; the holdings already follow it.
    assert_holdings_match_states()
    assert ConsentState.objects.filter(state="granted").exists()

    notice_lapse_consents(notice.pk)
    assert not ConsentState.objects.filter(state="granted").exists()
    assert_holdings_match_states()

    # Granting again under the new text counts again.
    consent_grant(employee=users[0].employee, scope=scopes[0], actor=users[0], context=CTX)
    assert_holdings_match_states()
    assert ConsentHolding.objects.get(employee=users[0].employee, purpose=None).granted == 1


def test_holdings_count_per_purpose_and_in_all(
    alice, catalogue, olivia, scopes, retention_in_force
):
    search = Purpose.objects.create(slug="improve-search", name="Improve search")
    notice_publish(
        notice=notice_create(
            actor=olivia,
            title="Recording, two purposes",
            body="Also to improve search.",
            purposes=[catalogue["purpose"], search],
            applications=catalogue["applications"],
            data_kinds=catalogue["kinds"],
            # A new purpose is a material change, one that lapses no grant held now.
            material_change=True,
            lapse_purposes=[search],
        ),
        actor=olivia,
    )
    app, kind = scopes[0].application, scopes[0].data_kind
    for scope in (*scopes[:2], Scope(search, app, kind)):
        consent_grant(employee=alice.employee, scope=scope, actor=alice, context=CTX)
    assert_holdings_match_states()
    holdings = dict(
        ConsentHolding.objects.filter(employee=alice.employee).values_list("purpose", "granted")
    )
    assert holdings == {catalogue["purpose"].pk: 2, search.pk: 1, None: 3}

    consent_withdraw(
        employee=alice.employee, scope=Scope(search, app, kind), actor=alice, context=CTX
    )
    holdings = dict(
        ConsentHolding.objects.filter(employee=alice.employee).values_list("purpose", "granted")
    )
    assert holdings == {catalogue["purpose"].pk: 2, search.pk: 0, None: 2}


def test_aggregates_count_holders_of_the_purpose_and_of_any(catalogue, scopes, settings):
    settings.MIN_GROUP_SIZE = 1
    users = [make_user(f"agg{i}@example.com") for i in range(3)]
    for user in users[:2]:
        consent_grant(employee=user.employee, scope=scopes[0], actor=user, context=CTX)
    consent_withdraw(employee=users[1].employee, scope=scopes[0], actor=users[1], context=CTX)
    rows = consent_aggregates(group_by="department", purpose=catalogue["purpose"])
    anyone = consent_aggregates(group_by="department")
    assert sum(r.people for r in rows) == sum(r.people for r in anyone) >= 3
    # Only the first of the three still holds a grant; nobody else in the test does.
    assert sum(r.granted for r in rows) == sum(r.granted for r in anyone) == 1


# Each step: (person, scope, grant?) or (person, None, None) for "withdraw everything".
steps = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 2), st.integers(0, 3), st.booleans()),
        st.tuples(st.integers(0, 2), st.none(), st.none()),
    ),
    max_size=25,
)


def test_any_sequence_of_changes_keeps_holdings_equal_to_states(scopes):
    people = [make_user(f"seq{i}@example.com") for i in range(3)]

    @settings(max_examples=40, deadline=None, database=None)
    @given(changes=steps)
    def scenario(changes):
        with transaction.atomic():
            for person, scope, grant in changes:
                user = people[person]
                if scope is None:
                    consent_withdraw_all(employee=user.employee, actor=user, context=CTX)
                    continue
                change = consent_grant if grant else consent_withdraw
                change(employee=user.employee, scope=scopes[scope], actor=user, context=CTX)
                assert_holdings_match_states()
            assert_holdings_match_states()
            transaction.set_rollback(True)  # the next example starts from nothing

    scenario()


@pytest.mark.django_db(transaction=True)
def test_the_scale_seed_fills_the_holdings_its_states_imply():
    from governance.devtools.scale import KIND_TYPES, scale_seed

    # A committing test's flush empties the data kinds the migrations seeded.
    for slug in KIND_TYPES:
        DataKind.objects.get_or_create(slug=slug, defaults={"name": slug})
    scale_seed(employees=110, events=300, audit_events=20, days=2, seed=5, force=False)
    assert ConsentState.objects.filter(state=ConsentState.State.GRANTED).exists()
    assert_holdings_match_states()
