"""The admin site manages people and roles, and only administrators reach it."""

from governance.models import Employee


def test_admin_manages_users_and_employee_records(client, ada, alice):
    client.force_login(ada)
    assert client.get("/admin/auth/user/").status_code == 200
    page = client.get(f"/admin/auth/user/{alice.pk}/change/")
    assert page.status_code == 200
    assert alice.employee.employee_number in page.content.decode()
    assert client.get("/admin/governance/employee/").status_code == 200


def test_evidence_is_not_editable_in_the_admin(client, ada):
    client.force_login(ada)
    for path in ("/admin/governance/consentevent/", "/admin/governance/auditevent/"):
        assert client.get(path).status_code == 404


def test_employees_cannot_delete_employee_records_or_reach_admin(client, ada, alice, olivia):
    client.force_login(ada)
    response = client.get(f"/admin/governance/employee/{alice.employee.pk}/delete/")
    assert response.status_code == 403
    assert Employee.objects.filter(pk=alice.employee.pk).exists()
    client.force_login(olivia)
    assert client.get("/admin/auth/user/").status_code == 302


def employee_form(employee: Employee, **changes) -> dict:
    form = {
        "user": employee.user_id,
        "employee_number": employee.employee_number,
        "department": employee.department,
        "country": employee.country,
        "region": employee.region,
        "manager": "",
        "language": employee.language,
    }
    return {**form, **changes}


def test_the_admin_offers_only_the_portals_languages_or_the_company_default(client, ada, alice):
    client.force_login(ada)
    url = f"/admin/governance/employee/{alice.employee.pk}/change/"
    page = client.get(url).content.decode()
    assert '<option value="de">Deutsch</option>' in page

    refused = client.post(url, employee_form(alice.employee, language="fr"))
    alice.employee.refresh_from_db()
    assert refused.status_code == 200 and alice.employee.language == ""

    client.post(url, employee_form(alice.employee, language="de"))
    alice.employee.refresh_from_db()
    assert alice.employee.language == "de"


def test_a_restriction_is_not_set_in_the_admin(client, ada, alice):
    """Restricting is audited where it is done (the people page and the API)."""
    client.force_login(ada)
    url = f"/admin/governance/employee/{alice.employee.pk}/change/"
    client.post(
        url,
        employee_form(
            alice.employee,
            processing_restricted_at_0="2026-01-01",
            processing_restricted_at_1="00:00:00",
        ),
    )
    alice.employee.refresh_from_db()
    assert alice.employee.processing_restricted_at is None
