"""No page or API response the works council can reach names or points at one person.

The world holds people with distinctive names, emails, employee numbers and
pseudonyms, with consents, stored events, verified erasures, requests and audit
events about them. Then every route the role matrix lets the council GET is
fetched as the council, and no response may contain any of those identifiers.
"""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from governance.models import ConsentEvent, Employee, ErasureJob, Role, SafeguardRule
from governance.selectors.notices import notice_current
from governance.services.consent import RequestContext, consent_grant
from governance.services.erasure import erasure_job_create
from governance.services.requests import request_file
from governance.services.retention import retention_policy_create
from governance.stores.events import partition_name
from tests.erasure.helpers import drive
from tests.factories import make_user
from tests.retention.helpers import fill_day
from tests.security.test_role_matrix import ACCESS, COUNCIL, ROUTES

(CALLER,) = COUNCIL
COUNCIL_ROUTES = [
    route
    for route in ROUTES
    if route.name in ACCESS and CALLER in ACCESS[route.name].methods.get("GET", ())
]


@pytest.fixture
def world(catalogue, scope, olivia):
    """Twelve people in Research (six granted), one alone in the Lighthouse (granted),
    their events stored and analysed, five erasures verified, two requests filed."""
    people = [
        make_user(
            f"quillon{i}.marchbanks@distinct.example",
            department="Research",
            employee_number=f"QX-77{i:02d}",
        )
        for i in range(12)
    ]
    loner = make_user(
        "thaddeus.wolfenbarger@distinct.example", department="Lighthouse", employee_number="QX-9999"
    )
    for user in [*people, loner]:
        user.first_name, user.last_name = f"Quillon{user.pk}", "Marchbanks-Oyelaran"
        user.save(update_fields=["first_name", "last_name"])
    for user in [*people[:6], loner]:
        consent_grant(employee=user.employee, scope=scope, actor=user, context=RequestContext())
    today = timezone.now().date()
    for user in people[:6]:
        fill_day(today, 40, user.employee.subject_id, scope.application, scope.data_kind)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {partition_name(today)}")
    for user in people[6:11]:
        job = erasure_job_create(employee=user.employee, cause="officer", actor=olivia)
        assert drive(job).state == ErasureJob.State.VERIFIED
    for user in (people[0], loner):
        request_file(employee=user.employee, kind="access", actor=user)
    retention_policy_create(actor=olivia, name="Keys: 30 days", store="events", keep_days=30)
    SafeguardRule.objects.create(kind="redaction_detector", name="IBAN", detector="iban")
    return people


def identifiers() -> set[str]:
    """Everything that names or points at one person, for every person there is."""
    found = set()
    for employee in Employee.objects.select_related("user"):
        user = employee.user
        found |= {user.email, user.username, employee.employee_number, employee.subject_id}
        if user.last_name:
            found |= {user.first_name, user.last_name}
    found |= {str(r) for r in ConsentEvent.objects.values_list("receipt_id", flat=True)}
    return {text.lower() for text in found if text}


def path_for(route, cora) -> str:
    known = {
        "version": lambda: notice_current().version,
        "uidb64": lambda: urlsafe_base64_encode(force_bytes(cora.pk)),
        "token": lambda: default_token_generator.make_token(cora),
    }
    missing = [p for p in route.params if p not in known]
    assert not missing, f"{route}: say here which object fills {missing}"
    return reverse(route.name, kwargs={p: known[p]() for p in route.params})


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_the_council_reaches_its_dashboard_and_api_among_its_routes():
    names = {route.name for route in COUNCIL_ROUTES}

    assert {"council", "api-council-summary", "home"} <= names
    assert not names & {"officer-aggregates", "api-consent-aggregates", "audit", "my-data"}


def test_no_response_the_council_can_reach_reveals_one_person(as_user, cora, world):
    forbidden = identifiers()
    assert len(forbidden) > 60  # the world is there to be leaked
    client = as_user(cora)

    leaks = {}
    for route in COUNCIL_ROUTES:
        path = path_for(route, cora)
        response = client.get(path)
        assert response.status_code in ACCESS[route.name].served, path
        text = body_of(response).lower()
        found = sorted(term for term in forbidden if term in text)
        if found:
            leaks[path] = found

    assert not leaks
    # And the dashboard did show the world, in aggregate.
    page = body_of(client.get("/council/"))
    assert 'data-label="Research" data-value="50"' in page
    assert 'data-group="Lighthouse" data-suppressed="true"' in page


def test_the_dashboard_and_api_carry_no_pseudonym_or_account_id(client_as, cora, world):
    body = body_of(client_as(cora).get("/api/v1/council/summary"))

    assert "sub_" not in body
    for user in world:
        assert f'"{user.pk}"' not in body and user.employee.subject_id not in body


def test_a_council_member_who_is_also_an_employee_sees_only_their_own_data(
    as_user, catalogue, world
):
    member = make_user("ines.council@example.com", roles=(Role.EMPLOYEE, Role.WORKS_COUNCIL))
    client = as_user(member)

    assert client.get("/council/").status_code == 200
    assert client.get("/officer/people/").status_code == 403
    text = body_of(client.get("/my-data/")).lower()
    assert not any(f"quillon{i}." in text for i in range(12))
