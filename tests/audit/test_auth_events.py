"""Logins, failed logins, logouts, new users and role changes are on the audit chain."""

from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from governance.models import AuditEvent, Role
from governance.selectors.audit import audit_events_about
from governance.services.audit import audit_verify
from governance.services.people import user_role_grant, user_role_revoke

LOGIN = "/accounts/login/"
CLIENT_IP = "203.0.113.7"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def role_events(user) -> list[tuple[str, str, str]]:
    """(action, role, actor) of every role change of `user`, oldest first."""
    rows = AuditEvent.objects.filter(action__startswith="role.", target_id=str(user.pk))
    return [(e.action, e.details["role"], e.actor_label) for e in rows.order_by("seq")]


def test_a_password_login_over_the_form_is_audited(client, alice, password):
    response = client.post(
        LOGIN, {"username": "alice@example.com", "password": password}, REMOTE_ADDR=CLIENT_IP
    )

    assert response.status_code == 302
    [event] = events("auth.login")
    assert (event.actor_type, event.actor_id) == ("user", str(alice.pk))
    assert (event.target_type, event.target_id) == ("User", str(alice.pk))
    assert event.subject == alice.employee.subject_id
    # As for a lockout: the network the login came from, not the machine.
    assert event.details == {"method": "password", "network": "203.0.113.0/24"}
    assert audit_verify().ok


def test_a_wrong_password_is_audited_without_the_password(client, alice):
    response = client.post(
        LOGIN,
        {"username": "alice@example.com", "password": "hunter2-wrong"},
        REMOTE_ADDR=CLIENT_IP,
    )

    assert response.status_code == 200
    [event] = events("auth.login_failed")
    assert event.actor_label == "system"
    assert (event.target_type, event.target_id) == ("User", str(alice.pk))
    assert event.details == {
        "username": "alice@example.com",
        "account_exists": True,
        "network": "203.0.113.0/24",
    }
    assert "hunter2" not in str(AuditEvent.objects.values_list("details", flat=True))
    assert not events("auth.login")
    assert audit_verify().ok


def test_a_failed_login_for_no_account_keeps_nothing_typed(client, db):
    # Typed into the username box, it may be a password: it names nobody, so it is not kept.
    client.post(LOGIN, {"username": "s3cret-in-the-wrong-box", "password": "x"})

    [event] = events("auth.login_failed")
    assert event.details["username"] == ""
    assert event.details["account_exists"] is False
    assert (event.target_id, event.subject) == ("", "")
    assert "s3cret" not in str(AuditEvent.objects.values_list("details", flat=True))


def test_a_logout_is_audited(client, alice):
    client.force_login(alice)
    [login] = events("auth.login")
    assert login.details["method"] == "session"  # no password was posted

    response = client.post("/accounts/logout/")

    assert response.status_code in (200, 302)
    [event] = events("auth.logout")
    assert event.actor_id == str(alice.pk)
    assert event.subject == alice.employee.subject_id


def test_own_logins_are_not_listed_as_someone_using_my_data(client, alice, password):
    client.post(LOGIN, {"username": "alice@example.com", "password": "wrong"})
    client.post(LOGIN, {"username": "alice@example.com", "password": password})
    client.post("/accounts/logout/")

    client.post(LOGIN, {"username": "alice@example.com", "password": password})

    shown = [event.action for event in audit_events_about(employee=alice.employee)]
    page = client.get("/consent/access-log/").content.decode()

    # A wrong password may be someone else trying her account: that one she sees.
    assert "auth.login_failed" in shown
    assert 'data-action="auth.login_failed"' in page
    assert "auth.login" not in shown and "auth.logout" not in shown
    assert 'data-action="auth.login"' not in page and 'data-action="auth.logout"' not in page
    # An officer filtering the log by her pseudonym sees her sessions.
    assert (
        AuditEvent.objects.filter(subject=alice.employee.subject_id, action="auth.login").count()
        == 2
    )


def test_creating_a_user_is_audited(db):
    user = get_user_model().objects.create_user(username="new@example.com", password="x")

    [event] = events("user.created")
    assert event.actor_label == "system"  # no one said who
    assert (event.target_type, event.target_id) == ("User", str(user.pk))
    assert event.details == {"username": "new@example.com"}
    user.save()  # a later save is not a creation
    assert len(events("user.created")) == 1


def test_a_role_granted_and_revoked_through_the_services_is_audited_once_each(alice, ada):
    user_role_grant(user=alice, role=Role.LEGAL, actor=ada)
    user_role_grant(user=alice, role=Role.LEGAL, actor=ada)  # already hers: no change
    user_role_revoke(user=alice, role=Role.LEGAL, actor=ada)
    user_role_revoke(user=alice, role=Role.LEGAL, actor=ada)  # already gone: no change

    assert role_events(alice) == [
        ("role.granted", "employee", "system"),  # the persona's role, from the factory
        ("role.granted", "legal", "ada@example.com"),
        ("role.revoked", "legal", "ada@example.com"),
    ]
    granted = AuditEvent.objects.get(action="role.granted", details__role="legal")
    assert granted.subject == alice.employee.subject_id
    assert audit_verify().ok


def test_roles_changed_from_the_group_side_or_cleared_are_audited(alice, bob):
    legal = Group.objects.get_or_create(name=Role.LEGAL.value)[0]
    legal.user_set.add(alice, bob)
    alice.groups.clear()

    assert role_events(alice)[-3:] == [
        ("role.granted", "legal", "system"),
        ("role.revoked", "employee", "system"),
        ("role.revoked", "legal", "system"),
    ]
    assert role_events(bob)[-1] == ("role.granted", "legal", "system")


class _FormFields(HTMLParser):
    """The values a browser would submit for the page's forms (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] = [data.strip("\n")]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def change_form(client, user) -> dict[str, list[str]]:
    page = client.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    fields = _FormFields()
    fields.feed(page.content.decode())
    return fields.data


def test_roles_changed_in_django_admin_are_audited_as_the_admin(client, ada, alice):
    client.force_login(ada)
    legal = Group.objects.get_or_create(name=Role.LEGAL.value)[0]
    employee = Group.objects.get(name=Role.EMPLOYEE.value)

    form = change_form(client, alice)
    assert form["groups"] == [str(employee.pk)]
    form["groups"] = [str(legal.pk)]  # grant legal, revoke employee
    response = client.post(f"/admin/auth/user/{alice.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(alice.groups.values_list("name", flat=True)) == {"legal"}
    assert role_events(alice)[1:] == [
        ("role.revoked", "employee", "ada@example.com"),
        ("role.granted", "legal", "ada@example.com"),
    ]

    # Saving the form unchanged changes no role and records none.
    response = client.post(f"/admin/auth/user/{alice.pk}/change/", change_form(client, alice))
    assert response.status_code == 302
    assert len(role_events(alice)) == 3
    assert audit_verify().ok


def test_a_user_added_in_django_admin_is_audited_as_the_admin(client, ada):
    client.force_login(ada)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "carol@example.com",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
            "employee-TOTAL_FORMS": "0",
            "employee-INITIAL_FORMS": "0",
            "employee-MIN_NUM_FORMS": "0",
            "employee-MAX_NUM_FORMS": "1",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    carol = get_user_model().objects.get(username="carol@example.com")
    [event] = AuditEvent.objects.filter(action="user.created", target_id=str(carol.pk))
    assert (event.actor_id, event.actor_label) == (str(ada.pk), "ada@example.com")
