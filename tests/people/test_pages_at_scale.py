"""The officers' people search and consent aggregates, as rewritten for a company's size:
the same answers as a plain scan, without counting or testing everyone in turn."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from governance.models import ConsentMethod, Employee
from governance.selectors import pages
from governance.selectors.consent import consent_aggregates
from governance.selectors.pages import employees_directory
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from tests.factories import make_user

WEB = RequestContext(method=ConsentMethod.WEB)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def numbers(query: str) -> list[str]:
    return [e.employee_number for e in employees_directory(query=query)]


@pytest.fixture(params=["few matches", "many matches"])
def plan(request, monkeypatch):
    """Both search plans: the trigram reads, and the walk in number order for common terms."""
    if request.param == "many matches":
        monkeypatch.setattr(pages, "DIRECTORY_DENSE_MATCHES", 1)
    return request.param


@pytest.fixture
def directory(db):
    make_user("ingrid.holmberg@example.com", employee_number="N0004242", department="Legal")
    make_user("sam@example.com", employee_number="N0000001", department="Support", country="SE")
    make_user("kim@corp.example.com", employee_number="N0000002", department="Holmgren Lab")
    return Employee.objects.count()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("holm", ["N0000002", "N0004242"]),  # email and department, any case
        ("HOLMBERG", ["N0004242"]),
        ("0004242", ["N0004242"]),  # part of the number
        ("se", ["N0000001"]),  # the country, exactly
        ("corp.example", ["N0000002"]),
        ("Ingrid", ["N0004242"]),  # first name
        ("nobody", []),
    ],
)
def test_people_search_matches_number_name_email_department_or_exact_country(
    directory, plan, query, expected
):
    assert numbers(query) == expected


def test_people_search_pages_through_matches_by_number(olivia, plan):
    for i in range(53):
        make_user(f"searched{i}@example.com", employee_number=f"Q{i:03d}")
    make_user("unrelated@example.com", employee_number="Q999")
    client = signed_in(olivia)
    first = client.get("/officer/people/", {"q": "searched"}).content.decode()
    assert re.findall(r'data-employee="(Q\d+)"', first) == [f"Q{i:03d}" for i in range(50)]
    link = re.search(r'href="\?([^"]*)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get("/officer/people/?" + link).content.decode()
    assert re.findall(r'data-employee="(Q\d+)"', second) == ["Q050", "Q051", "Q052"]
    back = re.search(r'href="\?([^"]*)" rel="prev"', second).group(1).replace("&amp;", "&")
    again = client.get("/officer/people/?" + back).content.decode()
    assert re.findall(r'data-employee="(Q\d+)"', again) == [f"Q{i:03d}" for i in range(50)]


def test_aggregates_count_each_person_once_however_many_scopes_they_granted(
    olivia, catalogue, scope, other_scope
):
    people = [make_user(f"agg{i}@example.com", department="Counted") for i in range(12)]
    for user in people[:6]:
        for s in (scope, other_scope):
            consent_grant(employee=user.employee, scope=s, actor=user, context=WEB)
    consent_withdraw(employee=people[5].employee, scope=scope, actor=people[5], context=WEB)
    rows = {r.group: r for r in consent_aggregates(group_by="department")}
    assert (rows["Counted"].people, rows["Counted"].granted) == (12, 6)


def test_aggregates_for_a_purpose_count_only_its_grants(olivia, catalogue, scope):
    people = [make_user(f"purp{i}@example.com", department="Purposed") for i in range(11)]
    for user in people[:5]:
        consent_grant(employee=user.employee, scope=scope, actor=user, context=WEB)
    other = catalogue["purpose"].__class__.objects.exclude(pk=catalogue["purpose"].pk).first()
    rows = {r.group: r for r in consent_aggregates(group_by="department", purpose=scope.purpose)}
    assert (rows["Purposed"].people, rows["Purposed"].granted) == (11, 5)
    if other is not None:
        rows = {r.group: r for r in consent_aggregates(group_by="department", purpose=other)}
        assert rows["Purposed"].suppressed and rows["Purposed"].granted is None


def test_people_and_aggregates_pages_never_count_rows(olivia, alice, bob):
    client = signed_in(olivia)
    for url, params in [
        ("/officer/people/", {}),
        ("/officer/people/", {"q": "alice"}),
        ("/officer/aggregates/", {}),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
        assert 'COUNT(*) AS "__COUNT"' not in sql, url
        assert " OFFSET " not in sql, url
