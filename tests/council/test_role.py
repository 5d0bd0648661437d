"""The works council role exists from the migrations and an administrator grants it in admin."""

from django.contrib.auth.models import Group

from governance.models import Role
from governance.services.audit import audit_verify
from tests.audit.test_auth_events import change_form, role_events
from tests.factories import make_user


def test_the_role_group_exists_from_the_migrations(db):
    assert Group.objects.filter(name=Role.WORKS_COUNCIL.value).exists()


def test_an_admin_grants_the_role_in_django_admin_and_it_opens_the_dashboard(
    client, as_user, ada, catalogue
):
    rep = make_user("rep@example.com", roles=(), employee=False)
    assert as_user(rep).get("/council/").status_code == 403
    client.force_login(ada)
    form = change_form(client, rep)
    form["groups"] = [str(Group.objects.get(name="works_council").pk)]
    form["is_active"] = ["on"]  # what a browser sends for a checked box without a value

    response = client.post(f"/admin/auth/user/{rep.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert role_events(rep)[-1] == ("role.granted", "works_council", "ada@example.com")
    assert audit_verify().ok
    rep.refresh_from_db()
    assert as_user(rep).get("/council/").status_code == 200
