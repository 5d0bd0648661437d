"""The employee's access log pages by keyset on the audit sequence, like the officers' log:
every entry about them once, newest first, and no count of the log per page."""

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from governance.services.audit import audit_record


def entries(body: str) -> list[str]:
    return re.findall(r"Reason:</strong> (entry \d+)", body)


def link(body: str, rel: str) -> str | None:
    found = re.search(rf'href="\?([^"]*)" rel="{rel}"', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_access_log_pages_through_every_entry_about_me_once(alice, bob, olivia):
    for i in range(103):
        for person in (alice, bob):
            audit_record(
                actor=olivia,
                action="personal_data.viewed",
                target=person.employee,
                subject=person.employee.subject_id,
                details={"reason": f"entry {i}", "what": "consent"},
            )
    client = Client()
    client.force_login(alice)
    seen, pages, query = [], 0, ""
    while True:
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/consent/access-log/?" + query).content.decode()
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        pages += 1
        seen += entries(body)
        query = link(body, "next")
        if query is None:
            break
    assert pages == 3
    assert seen == [f"entry {i}" for i in range(102, -1, -1)]
    # Back from the last page to the one before it.
    previous = client.get("/consent/access-log/?" + link(body, "prev")).content.decode()
    assert entries(previous) == [f"entry {i}" for i in range(52, 2, -1)]


def test_access_log_with_a_cursor_that_is_not_a_number_shows_the_first_page(alice, olivia):
    audit_record(
        actor=olivia,
        action="personal_data.viewed",
        target=alice.employee,
        subject=alice.employee.subject_id,
        details={"reason": "entry 0"},
    )
    client = Client()
    client.force_login(alice)
    response = client.get("/consent/access-log/", {"before": "abc"})
    assert response.status_code == 200
    assert entries(response.content.decode()) == ["entry 0"]
