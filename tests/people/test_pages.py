"""Officers see people without their consent, one person's consent only through an
audited view, aggregates with small groups suppressed, and owed erasures by pseudonym."""

from governance.models import AuditEvent, ConsentMethod, Role
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from tests.factories import make_user

WEB = RequestContext(method=ConsentMethod.WEB)


def grant(user, scope):
    return consent_grant(employee=user.employee, scope=scope, actor=user, context=WEB)


def test_people_list_shows_who_people_are_but_not_their_consent(as_user, olivia, alice, bob, scope):
    grant(alice, scope)
    body = as_user(olivia).get("/officer/people/").content.decode()
    assert alice.employee.employee_number in body
    assert "Engineering" in body and "Finance" in body
    assert "data-state" not in body
    assert "Granted" not in body
    assert not AuditEvent.objects.filter(action="personal_data.viewed").exists()


def test_people_search_filters(as_user, olivia, alice, bob):
    body = as_user(olivia).get("/officer/people/", {"q": "Finance"}).content.decode()
    assert bob.email in body
    assert alice.email not in body


def test_people_pages_by_employee_number_without_counting(as_user, olivia):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(55):
        make_user(f"paged{i}@example.com", employee_number=f"P{i:03d}", department="Paging")
    client = as_user(olivia)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/officer/people/", {"q": "Paging"}).content.decode()
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    numbers = re.findall(r'data-employee="(P\d+)"', first)
    assert numbers == [f"P{i:03d}" for i in range(50)]
    link = re.search(r'href="\?([^"]*)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "q=Paging" in link and "before=P049" in link
    second = client.get("/officer/people/?" + link).content.decode()
    assert re.findall(r'data-employee="(P\d+)"', second) == [f"P{i:03d}" for i in range(50, 55)]
    assert 'rel="next"' not in second and 'rel="prev"' in second


def test_disclosure_asks_for_a_reason_before_showing_anything(as_user, olivia, alice, scope):
    event = grant(alice, scope)
    client = as_user(olivia)
    url = f"/officer/people/{alice.employee.pk}/consent/"
    page = client.get(url).content.decode()
    assert str(event.receipt_id) not in page
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert str(event.receipt_id) not in response.content.decode()
    assert not AuditEvent.objects.filter(action="personal_data.viewed").exists()


def test_disclosure_with_a_reason_writes_an_audit_event_and_shows_consent(
    as_user, olivia, alice, scope
):
    event = grant(alice, scope)
    url = f"/officer/people/{alice.employee.pk}/consent/"
    response = as_user(olivia).post(url, {"reason": "Answering her access request #12"})
    assert response.status_code == 200
    body = response.content.decode()
    assert str(event.receipt_id) in body
    assert f'data-scope="{scope}" data-state="granted"' in body
    audit = AuditEvent.objects.get(action="personal_data.viewed")
    assert audit.subject == alice.employee.subject_id
    assert audit.actor_id == str(olivia.pk)
    assert audit.details == {"what": "consent", "reason": "Answering her access request #12"}
    assert "no-store" in response["Cache-Control"]


def test_aggregates_suppress_groups_below_five(as_user, olivia, alice, catalogue, scope):
    grant(alice, scope)
    # 12 people, 6 granted and 6 not: both sides reach 5, so Sales is shown.
    sales = [
        make_user(f"sales{i}@example.com", department="Sales", country="NL") for i in range(12)
    ]
    for person in sales[:6]:
        grant(person, scope)
    body = as_user(olivia).get("/officer/aggregates/").content.decode()
    assert 'data-group="Sales" data-suppressed="false"' in body
    assert '<td class="num">6</td>' in body
    assert 'data-group="Engineering" data-suppressed="true"' in body
    # Hidden, never "fewer than 5": Engineering's figure may hide almost everyone granting.
    assert '<span class="suppressed">hidden</span>' in body and "fewer than 5</span>" not in body
    by_country = as_user(olivia).get("/officer/aggregates/", {"group_by": "country"})
    assert 'data-group="NL" data-suppressed="false"' in by_country.content.decode()


def test_erasures_owed_are_listed_by_pseudonym(as_user, olivia, alice, scope):
    grant(alice, scope)
    event = consent_withdraw(employee=alice.employee, scope=scope, actor=alice, context=WEB)
    body = as_user(olivia).get("/officer/erasures/").content.decode()
    assert f'data-subject="{alice.employee.subject_id}"' in body
    assert str(event.receipt_id) in body
    assert alice.email not in body.split('data-testid="erasures"')[1]


def test_officer_without_employee_record_still_opens_officer_pages(as_user, catalogue):
    officer = make_user("ops@example.com", roles=(Role.PRIVACY_OFFICER,), employee=False)
    client = as_user(officer)
    assert client.get("/officer/people/").status_code == 200
    assert client.get("/consent/").status_code == 403
