"""Downloading a package: only by its employee, signed in, through a signed, expiring link;
each download audited; every refusal a clear page that serves nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.models import AuditEvent, ExportPackage
from governance.services import exports
from governance.services.exports import (
    export_package_build,
    package_download_url,
    package_revoke,
)
from governance.stores.exports import exports_storage
from tests.requests.helpers import (
    package_files_removed,  # noqa: F401  (autouse)
    package_requested,
)


@pytest.fixture
def package(alice_consents_all, olivia):
    package = package_requested(alice_consents_all, olivia)
    assert export_package_build(package.pk).state == "ready"
    package.refresh_from_db()
    return package


def downloads(package) -> tuple[int, int]:
    """(the package's download count, its package.downloaded audit events)."""
    package.refresh_from_db()
    audited = AuditEvent.objects.filter(action="package.downloaded", target_id=str(package.pk))
    return package.downloads, audited.count()


def assert_refused(response, status: int, testid: str, package) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f'data-testid="{testid}"'.encode() in response.content
    assert b"PK\x03\x04" not in response.content  # no zip in it
    assert downloads(package) == (0, 0)


def test_the_employee_downloads_the_zip_and_the_download_is_audited(package, alice, as_user):
    response = as_user(alice).get(package_download_url(package, user=alice))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response.streaming  # from the storage, never read whole
    body = b"".join(response.streaming_content)
    with exports_storage().open(package.file_name, "rb") as f:
        assert body == f.read()
    assert downloads(package) == (1, 1)
    event = AuditEvent.objects.get(action="package.downloaded")
    assert event.subject == alice.employee.subject_id and event.actor_id == str(alice.pk)


def test_a_tampered_link_is_404(package, alice, as_user):
    url = package_download_url(package, user=alice)
    token = url.split("/")[-2]
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    response = as_user(alice).get(url.replace(token, forged))

    assert_refused(response, 404, "package-not-found", package)


def test_someone_elses_link_is_404(package, alice, bob, as_user):
    # alice's link opened by bob, and a link made out to bob for alice's package.
    for url in (package_download_url(package, user=alice), package_download_url(package, user=bob)):
        response = as_user(bob).get(url)
        assert_refused(response, 404, "package-not-found", package)


def test_an_expired_link_is_410(package, alice, as_user, monkeypatch):
    url = package_download_url(package, user=alice)
    monkeypatch.setattr(exports, "LINK_MAX_AGE", timedelta(seconds=-1))  # already past

    response = as_user(alice).get(url)

    assert_refused(response, 410, "package-gone", package)
    assert b"expired" in response.content


def test_a_revoked_package_is_410_and_revoking_is_audited(package, alice, olivia, as_user):
    url = package_download_url(package, user=alice)

    package_revoke(package=package, actor=olivia, reason="Link forwarded by mistake")
    response = as_user(alice).get(url)

    assert_refused(response, 410, "package-gone", package)
    package.refresh_from_db()
    assert package.state == "revoked" and package.revoked_by == olivia
    revoked = AuditEvent.objects.get(action="package.revoked")
    assert revoked.details["reason"] == "Link forwarded by mistake"


def test_revoking_needs_a_reason_and_a_package_that_can_be(package, olivia):
    with pytest.raises(ValidationError):
        package_revoke(package=package, actor=olivia, reason=" ")
    ExportPackage.objects.filter(pk=package.pk).update(state="erased")
    with pytest.raises(ValidationError):
        package_revoke(package=package, actor=olivia, reason="Leak")
    assert not AuditEvent.objects.filter(action="package.revoked").exists()


def test_an_expired_package_is_410(package, alice, as_user):
    url = package_download_url(package, user=alice)
    ExportPackage.objects.filter(pk=package.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert_refused(as_user(alice).get(url), 410, "package-gone", package)


def test_a_link_from_before_a_password_change_no_longer_works(package, alice, as_user):
    url = package_download_url(package, user=alice)
    alice.set_password("a new password 123")
    alice.save()

    assert_refused(as_user(alice).get(url), 404, "package-not-found", package)


def test_signed_out_visitors_are_sent_to_sign_in(package, alice, client):
    url = package_download_url(package, user=alice)

    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert downloads(package) == (0, 0)


def test_a_head_request_is_not_a_download(package, alice, as_user):
    response = as_user(alice).head(package_download_url(package, user=alice))

    assert response.status_code == 405
    assert downloads(package) == (0, 0)
