"""Production settings pass Django's deployment checks; development needs no secrets.

Each test imports the settings in a fresh process with an environment of its
own (never the tests' own PORTAL_TESTING), as a server would.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLEARED = ("PORTAL_DEBUG", "DEBUG", "SECRET_KEY", "PORTAL_TESTING", "ALLOWED_HOSTS")
CLEARED += ("SECURE_COOKIES", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")

# A view that fails, served through the whole middleware stack with the default settings.
SERVER_ERROR = """
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
from django.urls import path

def broken(request):
    raise RuntimeError("a secret detail of the failure")

urlpatterns = [path("broken/", broken)]
setup_test_environment()  # lets the test client's host in; leaves DEBUG as configured
with override_settings(ROOT_URLCONF="__main__"):
    response = Client(raise_request_exception=False).get("/broken/", secure=True)
print("DEBUG", settings.DEBUG, "STATUS", response.status_code)
print(response.content.decode())
"""


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def _python(args, data_dir, **env):
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "PORTAL_DATA_DIR": str(data_dir), "PORTAL_TESTING": "0", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _manage(*args, data_dir, **env):
    return _python(["manage.py", *args], data_dir, **env)


def _setting(name, data_dir, **env):
    script = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    result = _python(["-c", script], data_dir, DJANGO_SETTINGS_MODULE="portal.settings", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_settings_pass_check_deploy(data_dir):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        data_dir=data_dir,
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(data_dir):
    result = _manage("check", data_dir=data_dir)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert not (data_dir / "secret_key").exists()


def test_debug_is_off_unless_portal_debug_turns_it_on(data_dir):
    key = secrets.token_urlsafe(60)
    assert _setting("DEBUG", data_dir, SECRET_KEY=key) == "False"
    assert _setting("DEBUG", data_dir, SECRET_KEY=key, DEBUG="true") == "False"  # the old name
    assert _setting("DEBUG", data_dir, SECRET_KEY=key, PORTAL_DEBUG="1") == "True"


def test_a_server_error_under_the_default_settings_shows_no_debug_page(data_dir):
    result = _python(
        ["-c", SERVER_ERROR],
        data_dir,
        DJANGO_SETTINGS_MODULE="portal.settings",
        SECRET_KEY=secrets.token_urlsafe(60),
    )

    assert result.returncode == 0, result.stderr
    status, page = result.stdout.split("\n", 1)
    assert status == "DEBUG False STATUS 500"
    assert "Something went wrong" in page
    for leak in ("Traceback", "a secret detail", "SECRET_KEY", "DATABASES", "settings"):
        assert leak not in page


def test_development_keeps_its_secret_key_in_the_data_dir(data_dir):
    first = _setting("SECRET_KEY", data_dir, PORTAL_DEBUG="1")
    key_file = data_dir / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o777 == 0o600

    assert _setting("SECRET_KEY", data_dir, PORTAL_DEBUG="1") == first


def test_production_never_falls_back_to_a_development_key_left_on_disk(data_dir):
    _setting("SECRET_KEY", data_dir, PORTAL_DEBUG="1")  # development made one here
    result = _manage("check", data_dir=data_dir)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_secure_cookies_https_and_hsts_by_default_and_off_for_local_http(data_dir):
    key = secrets.token_urlsafe(60)
    assert _setting("SESSION_COOKIE_SECURE", data_dir, SECRET_KEY=key) == "True"
    assert _setting("SECURE_SSL_REDIRECT", data_dir, SECRET_KEY=key) == "True"
    assert _setting("SECURE_HSTS_SECONDS", data_dir, SECRET_KEY=key) == "31536000"
    local = {"SECURE_COOKIES": "false", "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "0"}
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"):
        assert _setting(name, data_dir, SECRET_KEY=key, **local) == "False"
    assert _setting("SECURE_HSTS_SECONDS", data_dir, SECRET_KEY=key, **local) == "0"


def test_jit_off_is_added_to_the_connection_options_database_url_gives(data_dir):
    key = secrets.token_urlsafe(60)
    url = "postgresql://portal@db.example.com/portal?options=-c%20statement_timeout%3D5000"
    options = _setting(
        "DATABASES['default']['OPTIONS']['options']",
        data_dir,
        SECRET_KEY=key,
        DATABASE_URL=url,
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert options == "-c statement_timeout=5000 -c jit=off"
