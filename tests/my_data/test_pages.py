"""/my-data/: the signed-in employee's stored data, as numbers, a chart and a table."""

import re
from datetime import timedelta

from django.utils import translation

from governance.models import ActivityDay, Employee
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
    assert 'data-testid="restricted"' not in body
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


def test_page_says_nothing_is_kept_about_what_was_not_recorded(browser_as, alice, bob, recorded):
    for person in (alice, bob):  # both had events refused
        body = browser_as(person).get("/my-data/").content.decode()

        assert "Nothing is kept about you of what was not recorded" in body
        assert "data-reason=" not in body and "not stored</span>" not in body
        assert 'href="/consent/"' in body


def test_a_restricted_person_is_not_told_nothing_was_recorded(browser_as, alice, recorded):
    restricted_at = TODAY + timedelta(hours=1)
    Employee.objects.filter(pk=alice.employee.pk).update(processing_restricted_at=restricted_at)

    body = browser_as(alice).get("/my-data/?days=1").content.decode()

    banner = re.search(r'data-testid="restricted">(.*?)</div>', body, re.S).group(1)
    banner = " ".join(re.sub(r"<[^>]+>", "", banner).split())
    assert f"restricted since {restricted_at:%Y-%m-%d %H:%M:%S} UTC" in banner
    assert f"({recorded['accepted']} events, shown below) is kept" in banner
    assert "Nothing was stored" not in body and "nothing was recorded" not in body.lower()
    assert text_of(body, "total-events") == str(recorded["accepted"])
    assert re.findall(r'<tr data-session="([^"]+)"', body) == ["s-1", "s-old"]


def test_a_restricted_person_with_nothing_kept_is_not_told_their_data_is_kept(browser_as, alice):
    """After an officer's "erase everything" (which restricts capture by default) the
    banner must not promise that earlier data is kept: none is."""
    Employee.objects.filter(pk=alice.employee.pk).update(processing_restricted_at=TODAY)

    body = browser_as(alice).get("/my-data/").content.decode()

    banner = re.search(r'data-testid="restricted">(.*?)</div>', body, re.S).group(1)
    banner = " ".join(re.sub(r"<[^>]+>", "", banner).split())
    assert "is kept, unused" not in banner
    assert "No events recorded about you before it are kept now" in banner
    assert text_of(body, "total-events") == "0"


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
    assert "earlier ones are still kept" not in body
    assert alice.employee.subject_id not in body and bob.employee.subject_id in body
    assert "data-session=" not in body


def test_the_navigation_links_employees_to_my_data(browser_as, alice, ada):
    assert 'href="/my-data/"' in browser_as(alice).get("/").content.decode()
    assert 'href="/my-data/"' not in browser_as(ada).get("/").content.decode()


def test_people_without_an_employee_record_are_refused(browser_as, client, ada):
    assert browser_as(ada).get("/my-data/").status_code == 403
    response = client.get("/my-data/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_empty_period_says_earlier_data_is_still_kept(browser_as, bob, catalogue):
    vscode, key = catalogue["applications"][0], catalogue["kinds"][1]
    ten_days_ago = TODAY - timedelta(days=10)
    ActivityDay.objects.create(
        subject=bob.employee.subject_id,
        day=ten_days_ago.date(),
        application=vscode,
        data_kind=key,
        events=12,
        last_recorded=ten_days_ago,
    )

    body = browser_as(bob).get("/my-data/?days=7").content.decode()

    empty = re.search(r'data-testid="no-activity">(.*?)</p>', body, re.S).group(1)
    assert empty == (
        "No events of yours were stored in these 7 days; earlier ones are still kept "
        "(see the totals above and your sessions below)."
    )
    assert text_of(body, "total-events") == "12"


def test_chart_coordinates_stay_svg_numbers_in_german(browser_as, alice, recorded):
    """German writes 0,5 for 0.5; an SVG length written that way draws nothing."""
    with translation.override("de"):
        body = browser_as(alice).get("/my-data/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    svg = re.search(r'<svg [^>]*data-testid="activity-chart".*?</svg>', body, re.S).group(0)
    lengths = re.findall(r'\b(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert lengths and [v for v in lengths if not re.fullmatch(r"-?\d+(\.\d+)?", v)] == []
