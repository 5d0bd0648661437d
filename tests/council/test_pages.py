"""The council's dashboard and its API: who reaches them, and that both say the same."""

import re

import pytest
from django.utils import translation

from governance.services.consent import RequestContext, consent_grant
from tests.factories import make_user


@pytest.fixture
def crowd(catalogue, scope):
    """Twelve in Assembly (with olivia's Engineering aside), six of whom granted VS Code keys."""
    users = [make_user(f"worker{i}@example.com", department="Assembly") for i in range(12)]
    for user in users[:6]:
        consent_grant(employee=user.employee, scope=scope, actor=user, context=RequestContext())
    return users


def test_the_council_sees_its_dashboard_with_charts_and_tables(as_user, cora, crowd):
    response = as_user(cora).get("/council/")

    assert response.status_code == 200
    html = response.content.decode()
    for figure in ("by-application", "by-data-kind", "by-department", "volumes", "erasures"):
        assert f'data-testid="{figure}-chart"' in html
    assert 'data-testid="requests-table"' in html
    # Assembly: 12 people, 6 hold a grant; both sides reach k, so the rate shows.
    assembly = re.search(
        r'<tr data-group="Assembly" data-suppressed="false">(.*?)</tr>', html, re.S
    )
    assert assembly and re.findall(r">(\d+%?)<", assembly.group(1)) == ["12", "6", "50%"]
    assert 'data-label="Assembly" data-value="50"' in html
    # olivia alone in Engineering: a count below k, no rate.
    engineering = re.search(
        r'<tr data-group="Engineering" data-suppressed="true">(.*?)</tr>', html, re.S
    )
    assert (
        engineering and "fewer than 5" in engineering.group(1) and "%" not in engineering.group(1)
    )


def test_the_page_has_no_inline_script_or_style(as_user, cora, crowd):
    html = as_user(cora).get("/council/").content.decode()

    assert "<script>" not in html and "<style" not in html and " style=" not in html


def test_the_nav_and_home_lead_the_council_to_its_dashboard(as_user, cora):
    html = as_user(cora).get("/").content.decode()

    assert 'href="/council/"' in html and 'data-testid="council-card"' in html
    assert "no role in this portal" not in html


def test_the_api_gives_the_numbers_of_the_page(client_as, cora, crowd, scope):
    body = client_as(cora).get("/api/v1/council/summary").json()

    assembly = next(r for r in body["by_department"] if r["key"] == "Assembly")
    assert assembly == {
        "key": "Assembly",
        "label": "Assembly",
        "people": 12,
        "granted": 6,
        "rate": 50,
        "suppressed": False,
    }
    vscode = next(r for r in body["by_application"] if r["key"] == "vscode")
    assert (vscode["people"], vscode["granted"], vscode["rate"]) == (13, 6, 46)
    assert body["min_group_size"] == 5 and len(body["volumes"]) == 12
    assert len(body["erasures"]) == len(body["requests"]) == 12


@pytest.mark.parametrize("persona", ["alice", "olivia", "leo", "ada"])
def test_every_other_role_is_refused_the_dashboard_and_its_api(
    as_user, client_as, personas, persona
):
    user = personas[persona]

    assert as_user(user).get("/council/").status_code == 403
    response = client_as(user).get("/api/v1/council/summary")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the works council may do this."}


def test_anonymous_visitors_are_sent_to_log_in(client, client_as, db):
    assert client.get("/council/")["Location"] == "/accounts/login/?next=/council/"
    assert client_as(None).get("/api/v1/council/summary").status_code == 403


def test_the_council_role_opens_nothing_of_the_employees_or_officers(as_user, cora, catalogue):
    client = as_user(cora)
    pages = ["/consent/", "/my-data/", "/requests/", "/officer/people/", "/officer/aggregates/"]

    assert {page: client.get(page).status_code for page in pages} == dict.fromkeys(pages, 403)


def test_charts_say_why_a_bar_is_missing(as_user, cora, catalogue):
    html = as_user(cora).get("/council/").content.decode()

    def texts(chart):
        svg = re.search(rf'data-testid="{chart}-chart">(.*?)</svg>', html, re.S).group(1)
        return set(re.findall(r'<text x="[\d.]+" y="[\d.]+" dy="0.32em">([^<]+)</text>', svg))

    # Nobody holds a grant: volumes are withheld, not small; erasures are fewer than k.
    assert texts("volumes") == {"suppressed"}
    assert texts("erasures") == {"fewer than 5"}
    assert texts("by-application") == {"suppressed"}


def test_chart_coordinates_stay_svg_numbers_in_german(as_user, cora, crowd):
    """German writes 0,5 for 0.5; an SVG length written that way draws nothing."""
    with translation.override("de"):
        html = as_user(cora).get("/council/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    svgs = "".join(re.findall(r"<svg .*?</svg>", html, re.S))
    lengths = re.findall(r'\b(?:x|y|width|height)="([^"]*)"', svgs)
    assert lengths and [v for v in lengths if not re.fullmatch(r"-?\d+(\.\d+)?", v)] == []
