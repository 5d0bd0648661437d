"""GET /api/v1/me/data: the caller's stored data, as the ingest endpoint reported it."""

from datetime import timedelta

import pytest
from django.utils.dateparse import parse_datetime

from governance.models import Employee
from tests.my_data.conftest import TODAY, TWO_DAYS_AGO, TYPED

DAY_FIELDS = {"date", "events", "redacted", "by_application"}


def by_scope(day: dict) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (c["application"]["slug"], c["data_kind"]["slug"]): (c["events"], c["redacted"])
        for c in day["by_application"]
    }


def test_my_data_adds_up_to_what_the_endpoint_accepted_and_redacted(client_as, alice, recorded):
    body = client_as(alice).get("/api/v1/me/data").json()

    assert recorded["accepted"] == 7 + 1 + len(TYPED) + 3
    assert body["total_events"] == recorded["accepted"]
    assert body["redacted"] == recorded["redacted"] > 0
    assert body["restricted_since"] is None
    assert parse_datetime(body["last_recorded"]) == recorded["last"]
    assert body["subject_id"] == alice.employee.subject_id


def test_days_list_every_day_of_the_period_with_counts_by_application_and_kind(
    client_as, alice, recorded
):
    body = client_as(alice).get("/api/v1/me/data").json()

    days = {day["date"]: day for day in body["days"]}
    assert len(body["days"]) == 30 == body["period"]["days"]
    assert body["period"]["end"] == body["days"][-1]["date"] == TODAY.date().isoformat()
    today = days[TODAY.date().isoformat()]
    assert by_scope(today) == {
        ("vscode", "key"): (len(TYPED), recorded["redacted"]),
        ("vscode", "menu"): (1, 0),
        ("vscode", "pointer"): (1, 0),
        ("vscode", "scroll"): (1, 0),
        ("vscode", "window_focus"): (1, 0),
    }
    assert today["events"] == len(TYPED) + 4
    older = days[TWO_DAYS_AGO.date().isoformat()]
    assert by_scope(older) == {
        ("vscode", "click"): (1, 0),
        ("vscode", "key"): (5, 0),
        ("vscode", "scroll"): (1, 0),
    }
    quiet = days[(TODAY - timedelta(days=1)).date().isoformat()]
    assert quiet == {
        "date": quiet["date"],
        "events": 0,
        "redacted": 0,
        "by_application": [],
    }
    assert today["by_application"][0]["application"] == {
        "slug": "vscode",
        "name": "Visual Studio Code",
    }


def test_sessions_are_the_session_summaries_newest_first(client_as, alice, recorded):
    sessions = client_as(alice).get("/api/v1/me/data").json()["sessions"]

    assert [s["session_id"] for s in sessions] == ["s-1", "s-old"]
    newest, oldest = sessions
    assert newest["counts"] == {
        "key": len(TYPED),
        "menu": 1,
        "pointer": 1,
        "scroll": 1,
        "window_focus": 1,
    }
    assert newest["events"] == len(TYPED) + 4
    assert newest["device"] == "test laptop"
    assert newest["application"]["slug"] == "vscode"
    assert parse_datetime(newest["started_at"]) == TODAY
    assert parse_datetime(newest["ended_at"]) == recorded["last"]
    assert newest["active_seconds"] == 4
    assert oldest["counts"] == {"click": 1, "key": 5, "scroll": 1}


def test_a_shorter_period_lists_fewer_days_but_the_totals_stay(client_as, alice, recorded):
    body = client_as(alice).get("/api/v1/me/data?days=1").json()

    assert [day["date"] for day in body["days"]] == [TODAY.date().isoformat()]
    assert body["total_events"] == recorded["accepted"]
    assert len(body["sessions"]) == 2


@pytest.mark.parametrize("days", ["0", "366", "-3", "soon", "2.5", ""])
def test_a_bad_period_is_a_400(client_as, alice, days):
    response = client_as(alice).get(f"/api/v1/me/data?days={days}")

    assert response.status_code == 400
    assert "days" in response.json()


def test_nothing_is_kept_about_what_was_not_recorded_and_the_answer_says_so(
    client_as, alice, bob, recorded
):
    answers = [client_as(person).get("/api/v1/me/data").json() for person in (alice, bob)]

    # Both had events refused (recorded["refused"]); neither answer counts them.
    assert sum(a["dropped"].get("no_consent", 0) for a in recorded["answers"]) == 5
    for body in answers:
        assert "dropped" not in body and all(set(day) == DAY_FIELDS for day in body["days"])
        assert body["not_recorded"].startswith("Nothing is kept about you of what was not ")


def test_bob_sees_none_of_alices_data(client_as, alice, bob, recorded):
    body = client_as(bob).get("/api/v1/me/data").json()

    assert body["subject_id"] == bob.employee.subject_id
    assert body["total_events"] == 0 and body["redacted"] == 0
    assert body["last_recorded"] is None
    assert body["sessions"] == []
    assert all(day["by_application"] == [] for day in body["days"])
    assert alice.employee.subject_id not in str(body)


def test_an_officer_sees_her_own_data_not_the_people_she_oversees(client_as, olivia, recorded):
    body = client_as(olivia).get("/api/v1/me/data").json()

    assert body["total_events"] == 0 and body["sessions"] == []


def test_a_restricted_person_is_told_that_earlier_data_is_kept(client_as, alice, recorded):
    restricted_at = TODAY + timedelta(hours=1)
    Employee.objects.filter(pk=alice.employee.pk).update(processing_restricted_at=restricted_at)

    body = client_as(alice).get("/api/v1/me/data").json()

    assert parse_datetime(body["restricted_since"]) == restricted_at
    assert body["total_events"] == recorded["accepted"] > 0
    assert len(body["sessions"]) == 2


def test_callers_without_an_employee_record_are_refused(client_as, ada, recorded):
    assert client_as(ada).get("/api/v1/me/data").status_code == 403
    assert client_as(None).get("/api/v1/me/data").status_code == 403


def test_the_schema_documents_the_endpoint_and_its_shape(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/me/data"]["get"]
    [days] = operation["parameters"]
    assert days["name"] == "days" and days["in"] == "query"
    assert days["schema"]["minimum"] == 1 and days["schema"]["maximum"] == 365
    assert set(operation["responses"]) == {"200", "400", "403", "414", "503"}
    shape = schema["components"]["schemas"]["MyData"]
    assert set(shape["required"]) >= {
        "total_events",
        "last_recorded",
        "redacted",
        "not_recorded",
        "restricted_since",
        "days",
        "sessions",
    }
    day = schema["components"]["schemas"]["MyDataDay"]["properties"]
    assert day["by_application"]["items"]["$ref"].endswith("/MyDataCount")
