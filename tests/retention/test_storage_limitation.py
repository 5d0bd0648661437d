"""Storage limitation: a notice is published only over data some policy bounds, says how
long each store keeps it (as does each consent receipt), and data a person restricted to
preserve for a legal claim outlives retention until the restriction is lifted."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from governance.models import AuditEvent, Notice, RetentionRun
from governance.selectors.retention import retention_gaps, retention_periods
from governance.services.notices import notice_create
from governance.services.receipts import consent_receipt
from governance.services.restriction import employee_processing_restrict
from governance.services.retention import (
    retention_dry_run,
    retention_enforce,
    retention_policy_create,
    retention_policy_update,
)
from governance.services.signing import sign_document, verify_document
from governance.stores import REGISTRY
from tests.retention.helpers import add_events, days_ago, event_ids, midnight

RETAINED = [name for name, store in REGISTRY.items() if store.retained]


@pytest.fixture
def draft(olivia, catalogue):
    return notice_create(
        actor=olivia,
        title="Version two",
        body="We record keystrokes in the listed apps.",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
    )


def cover_all(olivia, keep_days=90, **fields):
    return [
        retention_policy_create(
            actor=olivia, name=f"All {store}", store=store, keep_days=keep_days, **fields
        )
        for store in RETAINED
    ]


def test_publishing_without_covering_policies_is_a_400_naming_each_store(client_as, olivia, draft):
    response = client_as(olivia).post(f"/api/v1/notices/{draft.pk}/publish")

    assert response.status_code == 400
    missing = response.json()["retention"]
    assert len(missing) == len(RETAINED)
    for store, line in zip(RETAINED, missing, strict=True):
        assert line.startswith(f"{store} (") and "Train computer-use models" in line
    draft.refresh_from_db()
    assert draft.status == Notice.Status.DRAFT and not draft.content_hash
    assert not AuditEvent.objects.filter(action="notice.published", target_id=str(draft.pk))


def test_a_partial_gap_names_the_applications_and_kinds_left_out(
    client_as, olivia, catalogue, draft, vscode, calc, kind
):
    cover_all(olivia, applications=[vscode])
    retention_policy_create(
        actor=olivia, name="Calc keys", store="events", keep_days=30, applications=[calc],
        data_kinds=[kind["key"]],
    )  # fmt: skip

    response = client_as(olivia).post(f"/api/v1/notices/{draft.pk}/publish")

    assert response.status_code == 400
    (line,) = response.json()["retention"][:1]
    assert line.startswith("events (")
    assert "LibreOffice Calc × Click" in line and "LibreOffice Calc × Key" not in line
    assert [m.split(" ")[0] for m in response.json()["retention"]] == RETAINED


def test_a_policy_for_another_purpose_or_a_disabled_one_does_not_cover(olivia, catalogue, draft):
    other = catalogue["prohibited"]
    cover_all(olivia, purposes=[other])
    off = cover_all(olivia, keep_days=30)
    for policy in off:
        retention_policy_update(policy=policy, actor=olivia, enabled=False)
    gaps = retention_gaps([catalogue["purpose"]], catalogue["applications"], catalogue["kinds"])
    assert len(gaps) == len(RETAINED)


def test_covered_notice_publishes(client_as, olivia, draft):
    cover_all(olivia)
    response = client_as(olivia).post(f"/api/v1/notices/{draft.pk}/publish")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"


def test_the_publish_form_says_which_policies_are_missing(as_user, olivia, draft):
    response = as_user(olivia).post(f"/officer/notices/{draft.version}/", {})
    assert response.status_code == 400
    page = response.content.decode()
    for store in RETAINED:
        assert f"retention: {store} (" in page
    draft.refresh_from_db()
    assert not draft.is_published


def test_the_notice_page_states_the_periods_from_the_policies(
    as_user, olivia, alice, catalogue, vscode, calc
):
    cover_all(olivia, keep_days=90)
    retention_policy_create(
        actor=olivia, name="Calc, short", store="events", keep_days=7, applications=[calc]
    )
    retention_policy_create(
        actor=olivia, name="Summaries by law", store="sessions", keep_days=400, legal_minimum=True
    )
    notice = catalogue["notice"]
    periods = {p.store: p for p in retention_periods(notice) if p.purpose}
    assert (periods["events"].min_days, periods["events"].max_days) == (7, 90)
    assert periods["sessions"].text == "400 days, as the law requires"

    page = as_user(alice).get(f"/notices/{notice.version}/").content.decode()
    assert 'data-testid="retention-periods"' in page
    assert "7 to 90 days, by application and kind" in page
    assert "400 days, as the law requires" in page
    assert "days after it is built, then deleted" in page  # access packages expire by themselves


def test_the_typed_text_tails_are_stated_as_kept_for_minutes_not_as_an_access_package(
    as_user, olivia, alice, alice_consents_all, catalogue, settings
):
    """The tails live INGEST_TYPED_TAIL_SECONDS in Redis: the notice and the receipt must
    not tell people what they typed is kept for the access packages' 30 days."""
    settings.EXPORT_TTL_DAYS = 30
    cover_all(olivia)
    notice = catalogue["notice"]

    tails = next(p for p in retention_periods(notice) if p.store == "typed_tails")
    assert tails.text == REGISTRY["typed_tails"].kept_for
    assert "minutes" in tails.text and "30 days" not in tails.text
    assert tails.max_days is None
    page = as_user(alice).get(f"/notices/{notice.version}/").content.decode()
    row = page.split('data-store="typed_tails"')[1].split("</tr>")[0]
    assert "minutes after the last batch" in row and "Your copy of your data" not in row

    receipt = consent_receipt(alice_consents_all.employee.consent_events.order_by("pk").first())
    by_store = {line["store"]: line for line in receipt["retention"]}
    assert by_store["typed_tails"]["keepDays"] is None
    assert "minutes" in by_store["typed_tails"]["keptFor"]
    assert by_store["exports"]["keepDays"] == 30
    assert verify_document(receipt)

    with pytest.raises(ValidationError) as refused:
        retention_policy_create(actor=olivia, name="Tails", store="typed_tails", keep_days=5)
    assert "minutes after the last batch" in str(refused.value)


def test_the_receipt_states_the_scopes_periods_and_verifies(
    olivia, alice_consents_all, catalogue, vscode
):
    cover_all(olivia, keep_days=90)
    retention_policy_create(
        actor=olivia, name="Code, short", store="events", keep_days=14, applications=[vscode]
    )
    event = alice_consents_all.employee.consent_events.order_by("pk").first()

    receipt = consent_receipt(event)

    by_store = {line["store"]: line for line in receipt["retention"]}
    assert by_store["events"]["keepDays"] == 14 and by_store["events"]["policy"] == "Code, short"
    assert by_store["sessions"]["keepDays"] == 90
    assert by_store["exports"]["policy"] is None
    assert verify_document(receipt)
    # A receipt issued before the periods were carried verifies as it always did.
    older = {k: v for k, v in receipt.items() if k not in ("retention", "signature")}
    assert verify_document(sign_document(older))
    assert not verify_document({**receipt, "retention": []})


def test_data_restricted_to_preserve_it_for_a_legal_claim_outlives_retention(
    olivia, alice, bob, vscode, kind, now
):
    at = midnight(days_ago(40, now)) + timedelta(hours=9)
    alices = add_events([(at, alice.employee.subject_id, vscode, kind["key"])] * 3)
    bobs = add_events([(at, bob.employee.subject_id, vscode, kind["key"])] * 2)
    (policy,) = [p for p in cover_all(olivia, keep_days=30) if p.store == "events"]
    employee_processing_restrict(
        employee=alice.employee,
        restricted=True,
        reason="Needs her records for an employment tribunal",
        actor=olivia,
        preserve_for_legal_claim=True,
    )

    preview = {p.store: p for p in retention_dry_run(now=now)}["events"]
    assert (preview.rows, preview.rows_held) == (2, 3)
    retention_enforce(now=now)
    assert event_ids() == set(alices) and not set(bobs) & event_ids()
    run = RetentionRun.objects.get(policy=policy)
    assert (run.rows_removed, run.rows_held) == (2, 3)
    audit = AuditEvent.objects.filter(action="processing.restricted").last()
    assert audit.details["preserve_for_legal_claim"] is True

    employee_processing_restrict(
        employee=alice.employee, restricted=False, reason="Tribunal decided", actor=olivia
    )
    alice.employee.refresh_from_db()
    assert not alice.employee.restriction_preserves
    retention_enforce(now=now)
    assert event_ids() == set()


def test_a_plain_restriction_does_not_hold_data_back(olivia, alice, vscode, kind, now):
    at = midnight(days_ago(40, now))
    add_events([(at, alice.employee.subject_id, vscode, kind["key"])])
    cover_all(olivia, keep_days=30)
    employee_processing_restrict(
        employee=alice.employee, restricted=True, reason="Contests accuracy", actor=olivia
    )
    retention_enforce(now=now)
    assert event_ids() == set()


def test_the_officer_restricts_for_a_legal_claim_through_the_api(client_as, olivia, alice):
    url = f"/api/v1/employees/{alice.employee.employee_number}/restriction"
    client = client_as(olivia)

    bad = client.post(url, {"restricted": True, "reason": "x", "preserve_for_legal_claim": "yes"},
                      format="json")  # fmt: skip
    assert bad.status_code == 400 and "preserve_for_legal_claim" in bad.json()
    response = client.post(
        url,
        {"restricted": True, "reason": "Legal claim", "preserve_for_legal_claim": True},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["preserve_for_legal_claim"] is True
    alice.employee.refresh_from_db()
    assert alice.employee.processing_restricted_at and alice.employee.restriction_preserves


def test_the_policies_page_warns_of_data_the_notice_in_force_leaves_uncovered(
    as_user, olivia, catalogue
):
    # The catalogue's notice was published under policies since gone.
    page = as_user(olivia).get("/officer/retention/").content.decode()
    assert 'data-testid="retention-gaps"' in page and "events (" in page

    cover_all(olivia)
    page = as_user(olivia).get("/officer/retention/").content.decode()
    assert 'data-testid="retention-gaps"' not in page


def test_restricting_again_without_naming_the_ground_keeps_it(olivia, alice):
    employee_processing_restrict(
        employee=alice.employee,
        restricted=True,
        reason="Legal claim",
        actor=olivia,
        preserve_for_legal_claim=True,
    )
    employee_processing_restrict(
        employee=alice.employee, restricted=True, reason="Request #9", actor=olivia
    )
    alice.employee.refresh_from_db()
    assert alice.employee.restriction_preserves
    employee_processing_restrict(
        employee=alice.employee,
        restricted=True,
        reason="Claim settled, still contested",
        actor=olivia,
        preserve_for_legal_claim=False,
    )
    alice.employee.refresh_from_db()
    assert alice.employee.processing_restricted_at and not alice.employee.restriction_preserves
