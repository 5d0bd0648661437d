"""Login through Django's /accounts/login/, logout as a POST."""


def test_login_page_has_labelled_fields(client, db):
    body = client.get("/accounts/login/").content.decode()
    assert '<label for="id_username">Email</label>' in body
    assert '<label for="id_password">Password</label>' in body


def test_login_with_the_right_password_opens_the_portal(client, alice, password):
    response = client.post(
        "/accounts/login/", {"username": "alice@example.com", "password": password}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    body = client.get("/").content.decode()
    assert "alice@example.com" in body
    assert 'action="/accounts/logout/"' in body


def test_login_with_a_wrong_password_says_so(client, alice):
    response = client.post("/accounts/login/", {"username": "alice@example.com", "password": "x"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_login_returns_to_the_page_asked_for(client, alice, password):
    data = {"username": "alice@example.com", "password": password, "next": "/consent/"}
    response = client.post("/accounts/login/?next=/consent/", data)
    assert response["Location"] == "/consent/"


def test_logout_is_a_post_and_ends_the_session(as_user, alice):
    client = as_user(alice)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert client.get("/consent/").status_code == 302


def test_navigation_follows_the_role(as_user, alice, olivia, leo):
    employee_nav = as_user(alice).get("/").content.decode()
    assert "My consent" in employee_nav
    assert "/officer/" not in employee_nav
    assert "/audit/" not in employee_nav
    officer_nav = as_user(olivia).get("/").content.decode()
    assert "/officer/notices/" in officer_nav and "/audit/" in officer_nav
    legal_nav = as_user(leo).get("/").content.decode()
    assert "/audit/" in legal_nav and "/officer/" not in legal_nav
