"""Content-Security-Policy and the other security headers, on every page.

The policy allows scripts and styles from this portal only, never inline. The
templates are held to that here too: an inline script, style, style attribute
or event handler in templates/ fails a test before a browser would refuse it.
"""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from governance.models import Role
from tests.factories import make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Its one inline script is drf-spectacular's Swagger UI set-up, run by the CSP nonce.
NONCE_SCRIPT_TEMPLATES = {"drf_spectacular/swagger_ui.html"}
NONCE_ATTRIBUTE = 'nonce="{{ request.csp_nonce }}"'

INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "on* event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_strict(response) -> None:
    path = response.request["PATH_INFO"]
    directives = policy(response)
    for name in ("default-src", "script-src", "style-src"):
        assert "'unsafe-inline'" not in directives.get(name, []), (path, name)
        assert "'unsafe-eval'" not in directives.get(name, []), (path, name)
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY", path
    assert response["X-Content-Type-Options"] == "nosniff", path
    assert response["Referrer-Policy"] == "same-origin", path


def _paths(patterns, prefix=""):
    """Every route in the URLconf that takes no parameters, as a path."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if "<" in route or "(" in route or "\\" in route:
            continue
        if isinstance(pattern, URLResolver):
            yield from _paths(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield "/" + route


@pytest.fixture
def root(db):
    """Every role at once, so that every page answers rather than redirecting to log in."""
    user = make_user(
        "root@example.com", roles=(Role.EMPLOYEE, Role.PRIVACY_OFFICER, Role.LEGAL, Role.ADMIN)
    )
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def test_every_page_has_a_strict_policy_and_the_security_headers(client, root, catalogue):
    paths = sorted(set(_paths(get_resolver().url_patterns)))
    assert {"/", "/consent/", "/audit/", "/admin/", "/api/docs/", "/accounts/login/"} <= set(paths)

    client.force_login(root)
    checked = []
    for path in paths:
        response = client.get(path)
        assert response.status_code != 500, path  # /healthz may say 503: no worker here
        assert_strict(response)
        checked.append(path)
    assert len(checked) > 30


def test_anonymous_pages_and_errors_have_the_policy_too(client, db):
    for path in ("/accounts/login/", "/", "/no-such-page/"):
        assert_strict(client.get(path))


def test_static_files_have_the_policy_and_nosniff(client, db):
    # Whitenoise answers before the clickjacking middleware: a script needs no X-Frame-Options.
    response = client.get("/static/governance/portal.js")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_docs_run_their_one_inline_script_by_nonce(client, olivia):
    client.force_login(olivia)
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert_strict(response)
    nonces = [v for v in policy(response)["script-src"] if v.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    body = response.content.decode()
    assert f'<script nonce="{nonce}">' in body
    assert "SwaggerUIBundle(" in body
    assert "<style" not in body and "governance/swagger.css" in body


def test_a_nonce_is_only_offered_on_pages_that_use_it(client, olivia):
    client.force_login(olivia)
    for path in ("/", "/consent/", "/accounts/login/"):
        assert not any(v.startswith("'nonce-") for v in policy(client.get(path))["script-src"])


def inline_code(text: str) -> list[str]:
    return [f"{kind}: {m.group(0)[:80]}" for kind, rx in INLINE.items() for m in rx.finditer(text)]


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">x()</script>',
        "<style>p{}</style>",
        '<p style="color:red">',
        '<button type="button" onclick="go()">',
        "<body onload='x()'>",
        '<a href="javascript:void(0)">',
    ],
)
def test_the_template_scan_finds_inline_code(snippet):
    assert inline_code(snippet)


@pytest.mark.parametrize(
    "snippet",
    ['<script src="/static/governance/portal.js" defer></script>', '<p class="one" data-on="x">'],
)
def test_the_template_scan_leaves_files_and_classes_alone(snippet):
    assert not inline_code(snippet)


def test_templates_have_no_inline_script_style_or_event_handler():
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        text = path.read_text()
        if name in NONCE_SCRIPT_TEMPLATES:
            text = text.replace(f"<script {NONCE_ATTRIBUTE}>", "")
        if problems := inline_code(text):
            found[name] = problems
    assert not found, found
    assert len(list(TEMPLATES.rglob("*.html"))) > 40  # the scan saw the templates
