"""/my-data/: the signed-in employee's stored data, as numbers, a chart and a table."""

import re

from tests.my_data.conftest import TODAY, TWO_DAYS_AGO, TYPED


def text_of(body: str, name: str) -> str:
    """The text of the element with data-testid=name, tags stripped."""
    match = re.search(rf'data-testid="{name}"[^>]*>(.*?)</span>', body, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def segments(body: str) -> dict[tuple[str, str], int]:
    """(day, kind) -> events of every bar segment in the chart."""
    found = {}
    for day, bar in re.findall(
        r'<g class="chart-bar" data-date="([^"]+)"[^>]*>(.*?)</g>', body, re.S
    ):
        for kind, events in re.findall(r'data-kind="([^"]+)" data-events="(\d+)"', bar):
            found[(day, kind)] = int(events)
    return found


def test_page_shows_my_numbers_and_a_chart_of_what_was_stored(browser_as, alice, recorded):
    response = browser_as(alice).get("/my-data/")

    assert response.status_code == 200
    body = response.content.decode()
    assert text_of(body, "total-events") == str(recorded["accepted"])
    assert text_of(body, "redacted") == str(recorded["redacted"])
    assert text_of(body, "dropped-total") == "4"
    assert text_of(body, "last-recorded") == f"{recorded['last']:%Y-%m-%d %H:%M:%S} UTC"
    assert 'data-testid="activity-chart"' in body and '<title id="chart-title">' in body
    today, older = TODAY.date().isoformat(), TWO_DAYS_AGO.date().isoformat()
    assert segments(body) == {
        (older, "click"): 1,
        (older, "key"): 5,
        (older, "scroll"): 1,
        (today, "key"): len(TYPED),
        (today, "menu"): 1,
        (today, "pointer"): 1,
        (today, "scroll"): 1,
        (today, "window_focus"): 1,
    }
    # The table fallback lists the same rows.
    assert len(re.findall(r'<tr data-date="', body)) == 8


def test_page_explains_why_events_were_not_stored(browser_as, alice, recorded):
    body = browser_as(alice).get("/my-data/").content.decode()

    reasons = dict(
        re.findall(r'data-reason="([^"]+)">\s*<dt><span class="reason-count">(\d+)', body)
    )
    assert reasons == {"excluded_window": "1", "no_consent": "2", "unknown_app": "1"}
    assert "You had not consented for that app and kind of data" in body
    assert 'href="/consent/"' in body


def test_page_lists_my_sessions(browser_as, alice, recorded):
    body = browser_as(alice).get("/my-data/").content.decode()

    assert re.findall(r'<tr data-session="([^"]+)"', body) == ["s-1", "s-old"]
    assert "test laptop" in body and f"Keystrokes {len(TYPED)}" in body


def test_a_shorter_period_draws_fewer_bars(browser_as, alice, recorded):
    body = browser_as(alice).get("/my-data/?days=7").content.decode()

    assert body.count('<g class="chart-bar"') == 7
    assert '<a href="?days=7" aria-current="page">' in body


def test_a_bad_period_falls_back_to_thirty_days(browser_as, alice, recorded):
    body = browser_as(alice).get("/my-data/?days=nonsense").content.decode()

    assert body.count('<g class="chart-bar"') == 30


def test_bob_sees_only_his_own_page(browser_as, alice, bob, recorded):
    body = browser_as(bob).get("/my-data/").content.decode()

    assert text_of(body, "total-events") == "0"
    assert text_of(body, "last-recorded") == "Never"
    assert 'data-testid="no-activity"' in body and "activity-chart" not in body
    assert re.findall(r'data-reason="([^"]+)"', body) == ["no_consent"]
    assert alice.employee.subject_id not in body and bob.employee.subject_id in body
    assert "data-session=" not in body


def test_the_navigation_links_employees_to_my_data(browser_as, alice, ada):
    assert 'href="/my-data/"' in browser_as(alice).get("/").content.decode()
    assert 'href="/my-data/"' not in browser_as(ada).get("/").content.decode()


def test_people_without_an_employee_record_are_refused(browser_as, client, ada):
    assert browser_as(ada).get("/my-data/").status_code == 403
    response = client.get("/my-data/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
