"""Retention pages (officers): policies, the dry run, and the evidence of runs."""

import re

import pytest

from governance.models import AuditEvent, RetentionPolicy
from governance.services.holds import legal_hold_create
from governance.services.retention import retention_enforce, retention_policy_create
from governance.stores import REGISTRY
from tests.erasure.helpers import events_of, record_events


@pytest.fixture
def policy(olivia, catalogue):
    return retention_policy_create(actor=olivia, name="Raw events", store="events", keep_days=30)


PAGES = [
    "/officer/retention/",
    "/officer/retention/new/",
    "/officer/retention/{policy}/edit/",
    "/officer/retention/dry-run/",
    "/officer/retention/runs/",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, policy, url):
    url = url.format(policy=policy.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("persona", ["alice", "leo", "ada"])
def test_only_officers_open_or_change_retention(as_user, personas, policy, persona):
    client = as_user(personas[persona])
    assert [client.get(u.format(policy=policy.pk)).status_code for u in PAGES] == [403] * 5
    posts = [
        ("/officer/retention/new/", {"name": "x", "store": "events", "keep_days": "1"}),
        (
            f"/officer/retention/{policy.pk}/edit/",
            {"name": "x", "store": "events", "keep_days": "1"},
        ),
        (f"/officer/retention/{policy.pk}/disable/", {}),
    ]
    assert [client.post(url, data).status_code for url, data in posts] == [403] * 3
    policy.refresh_from_db()
    assert (policy.keep_days, policy.enabled) == (30, True)
    assert RetentionPolicy.objects.count() == 1


def test_officer_creates_a_policy_from_the_form(as_user, olivia, catalogue):
    vscode = catalogue["applications"][0]
    key = next(k for k in catalogue["kinds"] if k.slug == "key")

    response = as_user(olivia).post(
        "/officer/retention/new/",
        {
            "name": "Keystrokes",
            "store": "events",
            "keep_days": "14",
            "applications": [vscode.pk],
            "data_kinds": [key.pk],
            "enabled": "on",
        },
        follow=True,
    )

    policy = RetentionPolicy.objects.get()
    assert (policy.name, policy.store, policy.keep_days, policy.enabled) == (
        "Keystrokes",
        "events",
        14,
        True,
    )
    assert list(policy.applications.all()) == [vscode]
    body = response.content.decode()
    assert "Created “Keystrokes”" in body
    assert f'<tr data-policy="{policy.pk}" data-enabled="true">' in body
    assert AuditEvent.objects.filter(action="retention_policy.created").count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "x", "store": "events", "keep_days": "0"}, "greater than or equal to 1"),
        ({"name": "", "store": "events", "keep_days": "3"}, "This field is required"),
        ({"name": "x", "store": "backups", "keep_days": "3"}, "Select a valid choice"),
        ({"name": "x", "store": "events", "keep_days": "99999999"}, "At most"),
    ],
)
def test_a_bad_policy_form_shows_why_and_writes_nothing(as_user, olivia, catalogue, data, error):
    response = as_user(olivia).post("/officer/retention/new/", data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not RetentionPolicy.objects.exists()


def test_officer_edits_and_disables_a_policy(as_user, olivia, policy):
    client = as_user(olivia)
    assert 'value="30"' in client.get(f"/officer/retention/{policy.pk}/edit/").content.decode()

    client.post(
        f"/officer/retention/{policy.pk}/edit/",
        {"name": "Raw events", "store": "events", "keep_days": "45", "enabled": "on"},
    )
    policy.refresh_from_db()
    assert policy.keep_days == 45 and policy.enabled

    response = client.post(f"/officer/retention/{policy.pk}/disable/", follow=True)
    policy.refresh_from_db()
    assert not policy.enabled
    assert "Disabled “Raw events”" in response.content.decode()
    assert [
        e.action
        for e in AuditEvent.objects.filter(action__startswith="retention_policy.").order_by("seq")
    ] == ["retention_policy.created", "retention_policy.updated", "retention_policy.disabled"]


def test_dry_run_page_counts_what_would_go_and_what_a_hold_keeps(
    as_user, olivia, leo, alice_consents_all, token
):
    record_events(token)
    retention_policy_create(actor=olivia, name="Two days", store="events", keep_days=2)
    client = as_user(olivia)

    body = client.get("/officer/retention/dry-run/").content.decode()
    assert '<td class="num" data-field="rows">30</td>' in body

    legal_hold_create(actor=leo, matter="M", reason="R", custodians=[alice_consents_all.employee])
    held = client.get("/officer/retention/dry-run/").content.decode()
    assert '<td class="num" data-field="rows">0</td>' in held
    assert '<td class="num" data-field="rows_held">30</td>' in held
    assert events_of(alice_consents_all) == 90


def test_runs_page_shows_the_evidence_of_enforcement(as_user, olivia, alice_consents_all, token):
    record_events(token)
    retention_policy_create(actor=olivia, name="Two days", store="events", keep_days=2)
    [run] = retention_enforce()

    body = as_user(olivia).get("/officer/retention/runs/").content.decode()

    assert f'<tr data-run="{run.pk}">' in body
    assert '<td class="num" data-field="rows_removed">30</td>' in body
    assert "Two days" in body and "Done" in body


def test_empty_pages_say_what_they_would_show(as_user, olivia, catalogue):
    client = as_user(olivia)
    assert "No policies yet" in client.get("/officer/retention/").content.decode()
    assert "No enabled policies" in client.get("/officer/retention/dry-run/").content.decode()
    assert "Retention has not run yet" in client.get("/officer/retention/runs/").content.decode()


def test_officer_marks_a_legal_minimum_for_some_purposes_from_the_form(as_user, olivia, catalogue):
    purpose = catalogue["purpose"]
    client = as_user(olivia)
    form = client.get("/officer/retention/new/").content.decode()
    assert "Legal minimum" in form and catalogue["prohibited"].name not in form

    client.post(
        "/officer/retention/new/",
        {
            "name": "Records law",
            "store": "sessions",
            "keep_days": "400",
            "legal_minimum": "on",
            "purposes": [purpose.pk],
            "enabled": "on",
        },
    )

    policy = RetentionPolicy.objects.get()
    assert policy.legal_minimum and list(policy.purposes.all()) == [purpose]
    listing = client.get("/officer/retention/").content.decode()
    assert "Legal minimum" in listing and purpose.name in listing


def test_the_policy_form_offers_only_stores_a_policy_applies_to(as_user, olivia):
    """Access packages and the typed-text tails expire by themselves; offering them only
    led to a refusal after the officer had filled in the form."""
    page = as_user(olivia).get("/officer/retention/new/").content.decode()
    form = page.split('<main id="main"', 1)[1]  # not the header's language switch

    offered = set(re.findall(r'<option value="([a-z_]+)"', form))
    assert offered == {name for name, store in REGISTRY.items() if store.retained}
    assert "typed_tails" not in offered and "exports" not in offered
