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
