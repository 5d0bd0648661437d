"""Retention through the API: officers manage policies, preview them, and read the evidence."""

import pytest

from governance.models import AuditEvent, RetentionPolicy, RetentionRun
from governance.services.holds import legal_hold_create
from governance.services.retention import retention_enforce, retention_policy_create
from tests.conftest import written as api_written
from tests.erasure.helpers import events_of, record_events

POLICIES = "/api/v1/retention-policies"


def written() -> dict[str, int]:
    return {
        **api_written(),
        "RetentionPolicy": RetentionPolicy.objects.count(),
        "RetentionRun": RetentionRun.objects.count(),
    }


@pytest.fixture
def personas(alice, olivia, leo, ada):
    return {"anonymous": None, "alice": alice, "olivia": olivia, "leo": leo, "ada": ada}


@pytest.fixture
def policy(olivia, catalogue):
    return retention_policy_create(actor=olivia, name="Raw events", store="events", keep_days=30)


@pytest.fixture
def alice_data(alice_consents_all, token):
    record_events(token)  # 30 events a day, 2.5, 1.5 and 0.5 days ago
    return alice_consents_all


ENDPOINTS = [
    ("get", POLICIES, None),
    ("post", POLICIES, {"name": "x", "store": "events", "keep_days": 5}),
    ("get", POLICIES + "/{policy}", None),
    ("patch", POLICIES + "/{policy}", {"keep_days": 7}),
    ("post", POLICIES + "/{policy}/disable", None),
    ("get", POLICIES + "/dry-run", None),
    ("get", "/api/v1/retention-runs", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize("persona", ["anonymous", "alice", "leo", "ada"])
def test_only_officers_manage_retention(client_as, personas, policy, method, path, body, persona):
    before = written()

    response = getattr(client_as(personas[persona]), method)(
        path.format(policy=policy.pk), body, format="json"
    )

    assert response.status_code == 403, response.content
    assert written() == before
    policy.refresh_from_db()
    assert (policy.keep_days, policy.enabled) == (30, True)


def test_officer_creates_a_policy_for_some_applications_and_kinds(client_as, olivia, catalogue):
    response = client_as(olivia).post(
        POLICIES,
        {
            "name": "Keystrokes in VS Code",
            "store": "events",
            "keep_days": 14,
            "applications": ["vscode"],
            "data_kinds": ["key"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    policy = RetentionPolicy.objects.get()
    assert body["id"] == policy.pk
    assert (body["applications"], body["data_kinds"], body["enabled"]) == (
        ["vscode"],
        ["key"],
        True,
    )
    assert body["created_by"] == olivia.username
    assert (policy.store, policy.keep_days) == ("events", 14)
    assert [a.slug for a in policy.applications.all()] == ["vscode"]
    assert AuditEvent.objects.filter(action="retention_policy.created").count() == 1


def test_absent_applications_and_kinds_mean_all(client_as, olivia, catalogue):
    body = (
        client_as(olivia)
        .post(
            POLICIES, {"name": "All sessions", "store": "sessions", "keep_days": 90}, format="json"
        )
        .json()
    )

    assert body["applications"] == [] and body["data_kinds"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"store": "events", "keep_days": 5}, "name"),
        ({"name": "x", "store": "backups", "keep_days": 5}, "store"),
        ({"name": "x", "store": "events", "keep_days": 0}, "keep_days"),
        ({"name": "x", "store": "events", "keep_days": "5"}, "keep_days"),
        ({"name": "x", "store": "events", "keep_days": True}, "keep_days"),
        (
            {"name": "x", "store": "events", "keep_days": 5, "applications": ["gimp"]},
            "applications",
        ),
        ({"name": "x", "store": "events", "keep_days": 5, "data_kinds": ["smell"]}, "data_kinds"),
        ({"name": "x", "store": "events", "keep_days": 5, "enabled": "yes"}, "enabled"),
        ({"name": "x", "store": "events", "keep_days": 5, "policy": 1}, "policy"),
        ({"name": "x", "store": "events", "keep_days": 10**6}, "keep_days"),
    ],
)
def test_a_bad_policy_is_400_and_nothing_is_written(client_as, olivia, catalogue, body, field):
    before = written()

    response = client_as(olivia).post(POLICIES, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


def test_officer_changes_disables_and_enables_a_policy(client_as, olivia, policy):
    client = client_as(olivia)

    changed = client.patch(f"{POLICIES}/{policy.pk}", {"keep_days": 60, "data_kinds": ["key"]})
    disabled = client.post(f"{POLICIES}/{policy.pk}/disable")
    enabled = client.patch(f"{POLICIES}/{policy.pk}", {"enabled": True}, format="json")

    assert changed.status_code == 200, changed.content
    assert (changed.json()["keep_days"], changed.json()["data_kinds"]) == (60, ["key"])
    assert disabled.json()["enabled"] is False
    assert enabled.json()["enabled"] is True
    actions = list(
        AuditEvent.objects.filter(action__startswith="retention_policy.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "retention_policy.created",
        "retention_policy.updated",
        "retention_policy.disabled",
        "retention_policy.enabled",
    ]


def test_a_bad_change_is_400_and_changes_nothing(client_as, olivia, policy):
    before = written()

    response = client_as(olivia).patch(f"{POLICIES}/{policy.pk}", {"keep_days": -3}, format="json")

    assert response.status_code == 400
    policy.refresh_from_db()
    assert policy.keep_days == 30
    assert written() == before


def test_policies_are_never_deleted_or_replaced(client_as, olivia, policy):
    client = client_as(olivia)
    assert client.delete(f"{POLICIES}/{policy.pk}").status_code == 405
    assert client.put(f"{POLICIES}/{policy.pk}", {"keep_days": 1}, format="json").status_code == 405
    assert client.get(f"{POLICIES}/999999").status_code == 404
    assert RetentionPolicy.objects.filter(pk=policy.pk).exists()


def test_list_and_filter_policies(client_as, olivia, policy):
    retention_policy_create(actor=olivia, name="Sessions", store="sessions", keep_days=90)
    client = client_as(olivia)

    def names(query=""):
        return [p["name"] for p in client.get(POLICIES + query).json()["results"]]

    assert names() == ["Raw events", "Sessions"]
    assert names("?store=sessions") == ["Sessions"]


def test_dry_run_counts_what_each_policy_would_delete_and_deletes_nothing(
    client_as, olivia, alice_data, catalogue
):
    retention_policy_create(actor=olivia, name="Two days", store="events", keep_days=2)
    before = events_of(alice_data)

    response = client_as(olivia).get(f"{POLICIES}/dry-run")

    assert response.status_code == 200
    [row] = response.json()
    assert row["policy"]["name"] == "Two days" and row["store"] == "events"
    assert (row["rows"], row["rows_held"]) == (30, 0)  # the day 2.5 days ago
    assert events_of(alice_data) == before
    assert not RetentionRun.objects.exists()


def test_dry_run_shows_what_a_hold_keeps(client_as, olivia, leo, alice_data, catalogue):
    retention_policy_create(actor=olivia, name="Two days", store="events", keep_days=2)
    legal_hold_create(actor=leo, matter="M", reason="R", custodians=[alice_data.employee])

    [row] = client_as(olivia).get(f"{POLICIES}/dry-run").json()

    assert (row["rows"], row["rows_held"]) == (0, 30)


def test_runs_are_listed_as_evidence_newest_first(client_as, olivia, alice_data, catalogue):
    retention_policy_create(actor=olivia, name="Two days", store="events", keep_days=2)
    retention_enforce()
    retention_enforce()

    body = client_as(olivia).get("/api/v1/retention-runs").json()

    assert body["count"] == 2
    newest, oldest = body["results"]
    assert oldest["rows_removed"] == 30 and newest["rows_removed"] == 0
    assert oldest["policy"]["name"] == "Two days" and oldest["store"] == "events"
    assert oldest["finished_at"] is not None and oldest["error"] == ""
    assert events_of(alice_data) == 60


def test_retention_paths_are_in_the_openapi_description(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()[
        "paths"
    ]

    assert {"get", "post"} <= set(paths[POLICIES])
    assert {"get", "patch"} <= set(paths[POLICIES + "/{id}"])
    assert "post" in paths[POLICIES + "/{id}/disable"]
    assert "get" in paths[POLICIES + "/dry-run"]
    assert "get" in paths["/api/v1/retention-runs"]


def test_dry_run_names_the_deciding_policy_and_its_scope(
    client_as, olivia, alice_data, catalogue, vscode
):
    retention_policy_create(actor=olivia, name="Short", store="events", keep_days=1)
    retention_policy_create(
        actor=olivia,
        name="Code by law",
        store="events",
        keep_days=2,
        applications=[vscode],
        purposes=[catalogue["purpose"]],
        legal_minimum=True,
    )

    rows = {r["policy"]["name"]: r for r in client_as(olivia).get(f"{POLICIES}/dry-run").json()}

    # The legal floor (2 days) outlasts the shortest keep (1 day): it decides, so only the
    # day 2.5 days ago goes, and the day 1.5 days ago stays.
    assert rows["Short"]["rows"] == 0 and rows["Code by law"]["rows"] == 30
    decided = rows["Code by law"]["policy"]
    assert decided["legal_minimum"] is True
    assert (decided["purposes"], decided["applications"], decided["data_kinds"]) == (
        [catalogue["purpose"].slug],
        ["vscode"],
        [],
    )


def test_a_policy_names_purposes_and_a_legal_minimum_through_the_api(client_as, olivia, catalogue):
    client = client_as(olivia)
    body = {
        "name": "Tax law",
        "store": "events",
        "keep_days": 400,
        "purposes": [catalogue["purpose"].slug],
        "legal_minimum": True,
    }
    created = client.post(POLICIES, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["purposes"] == [catalogue["purpose"].slug]
    assert created.json()["legal_minimum"] is True

    prohibited = client.post(
        POLICIES, {**body, "purposes": [catalogue["prohibited"].slug]}, format="json"
    )
    assert prohibited.status_code == 400 and "purposes" in prohibited.json()
    flag = client.post(POLICIES, {**body, "legal_minimum": "yes"}, format="json")
    assert flag.status_code == 400 and "legal_minimum" in flag.json()
