"""Every page: anonymous visitors go to the login page, wrong roles get 403."""

import pytest

from governance.models import Application, CaptureDevice, Employee

EMPLOYEE_PAGES = ["/consent/", "/consent/access-log/", "/consent/withdraw-all/"]
OFFICER_PAGES = [
    "/officer/applications/",
    "/officer/applications/new/",
    "/officer/data-kinds/",
    "/officer/data-kinds/new/",
    "/officer/purposes/",
    "/officer/purposes/new/",
    "/officer/safeguards/",
    "/officer/safeguards/new/",
    "/officer/notices/",
    "/officer/notices/new/",
    "/officer/notices/1/",
    "/officer/devices/",
    "/officer/erasures/",
    "/officer/people/",
    "/officer/aggregates/",
]
AUDIT_PAGES = ["/audit/"]
ALL_PAGES = ["/", "/notices/1/", *EMPLOYEE_PAGES, *OFFICER_PAGES, *AUDIT_PAGES]

ALLOWED = {
    "alice": {"/", "/notices/1/", *EMPLOYEE_PAGES},
    "olivia": set(ALL_PAGES),
    "leo": {"/", "/notices/1/", *EMPLOYEE_PAGES, *AUDIT_PAGES},
    "ada": {"/", "/notices/1/"},  # admin without an Employee record
}


@pytest.mark.parametrize("url", ALL_PAGES)
def test_anonymous_visitor_is_sent_to_login(client, catalogue, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("persona", sorted(ALLOWED))
def test_each_role_opens_its_pages_and_gets_403_elsewhere(as_user, personas, catalogue, persona):
    client = as_user(personas[persona])
    got = {url: client.get(url).status_code for url in ALL_PAGES}
    expected = {url: 200 if url in ALLOWED[persona] else 403 for url in ALL_PAGES}
    assert got == expected


def test_officer_object_pages_refuse_employees(as_user, alice, bob, catalogue):
    app = catalogue["applications"][0]
    urls = [
        f"/officer/applications/{app.pk}/edit/",
        f"/officer/people/{Employee.objects.get(user=bob).pk}/consent/",
    ]
    client = as_user(alice)
    assert [client.get(url).status_code for url in urls] == [403, 403]


def test_officer_writes_refuse_employees_and_change_nothing(as_user, alice, catalogue):
    app = catalogue["applications"][0]
    client = as_user(alice)
    posts = [
        ("/officer/applications/new/", {"name": "Evil", "slug": "evil"}),
        (f"/officer/applications/{app.pk}/enabled/", {"enabled": "0"}),
        ("/officer/devices/", {"name": "rogue"}),
        ("/officer/notices/1/", {"material_change": "on"}),
    ]
    assert [client.post(url, data).status_code for url, data in posts] == [403] * 4
    app.refresh_from_db()
    assert app.enabled
    assert not Application.objects.filter(slug="evil").exists()
    assert not CaptureDevice.objects.exists()


def test_legal_can_verify_the_chain_but_not_edit_the_catalogue(as_user, leo, catalogue):
    client = as_user(leo)
    assert client.post("/audit/").status_code == 200
    assert client.post("/officer/devices/", {"name": "x"}).status_code == 403


def test_unknown_notice_version_is_404(as_user, alice, catalogue):
    assert as_user(alice).get("/notices/99/").status_code == 404
