"""What the person reads of their request's history is one rule, read through the
request selectors by the API and the pages alike: every step of their request, never
which officer acted, never that a legal hold exists."""

from html.parser import HTMLParser

import pytest

from governance.models import DataRequest
from governance.services.holds import legal_hold_create
from governance.services.requests import (
    request_assign,
    request_extend,
    request_file,
    request_identity_ask,
    request_verify,
)
from tests.erasure.helpers import drive, record_events

pytestmark = pytest.mark.django_db


class HistoryParser(HTMLParser):
    """The history list of a request page: (action, by, message) a line, as rendered."""

    def __init__(self):
        super().__init__()
        self.lines: list[dict] = []
        self.field: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and "data-action" in attrs:
            self.lines.append({"action": attrs["data-action"], "by": "", "message": ""})
        elif self.lines and attrs.get("data-field") in ("by", "message"):
            self.field = attrs["data-field"]
        elif tag == "br" and self.field == "message":
            self.lines[-1]["message"] += "\n"

    def handle_endtag(self, tag):
        if tag == "span":
            self.field = None

    def handle_data(self, data):
        if self.field:
            self.lines[-1][self.field] += data


def page_history(response) -> list[tuple[str, str, str]]:
    parser = HistoryParser()
    parser.feed(response.content.decode())
    return [
        (line["action"], line["by"].strip().removeprefix("· by "), line["message"].strip())
        for line in parser.lines
    ]


def api_history(response) -> list[tuple[str, str, str]]:
    return [(line["action"], line["by"], line["message"]) for line in response.json()["history"]]


def test_the_persons_page_and_api_show_the_same_history_lines(
    as_user, client_as, alice_consents_all, token, olivia, leo
):
    alice = alice_consents_all
    record_events(token)
    legal_hold_create(actor=leo, matter="Case 7", reason="Litigation", custodians=[alice.employee])
    request, _ = request_file(employee=alice.employee, kind="erasure", actor=alice)
    request_assign(request=request, assignee=olivia, actor=olivia)
    request_identity_ask(request=request, actor=olivia, reason="A copy of your staff badge")
    request_extend(request=request, actor=olivia, days=14, reason="Records are in the archive")
    request_verify(request=request, actor=olivia, identity_check="Badge seen")
    drive(DataRequest.objects.get(pk=request.pk).erasure_job)

    page = as_user(alice).get(f"/requests/{request.pk}/")
    api = client_as(alice).get(f"/api/v1/me/requests/{request.pk}")

    on_page, in_api = page_history(page), api_history(api)
    assert on_page == in_api
    assert [action for action, _, _ in in_api] == [
        "filed",
        "assigned",
        "identity_requested",
        "extended",
        "verified",
        "deferred",
    ]
    # Every step is there; who in the privacy office acted and the legal hold are not.
    assert {by for _, by, _ in in_api} == {"you", "privacy team", "portal"}
    for text in (page.content.decode().lower(), api.content.decode().lower()):
        assert "olivia" not in text and "legal hold" not in text and "case 7" not in text
    assert "A copy of your staff badge" in on_page[2][2]
    assert "legal obligation" in on_page[-1][2]


def test_the_officers_page_and_api_show_the_same_history_lines(as_user, client_as, alice, olivia):
    request, _ = request_file(employee=alice.employee, kind="access", actor=alice)
    request_assign(request=request, assignee=olivia, actor=olivia)
    request_identity_ask(request=request, actor=olivia, reason="A copy of your staff badge")

    page = as_user(olivia).get(f"/officer/requests/{request.pk}/")
    api = client_as(olivia).get(f"/api/v1/requests/{request.pk}")

    assert page_history(page) == api_history(api)
    assert page_history(page)[1] == ("assigned", olivia.get_username(), olivia.get_username())
