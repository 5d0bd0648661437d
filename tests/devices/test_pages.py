"""Capture devices: the token is shown once and only its hash is kept."""

import hashlib

from governance.models import AuditEvent, CaptureDevice
from governance.services.devices import device_authenticate


def test_registering_shows_the_token_once_and_stores_only_its_hash(as_user, olivia):
    client = as_user(olivia)
    response = client.post("/officer/devices/", {"name": "Laptop 42"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device = CaptureDevice.objects.get(name="Laptop 42")
    token = response.context["token"]
    body = response.content.decode()
    assert f'value="{token}"' in body
    assert "It will not be shown again." in body
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert device_authenticate(token) == device
    listing = client.get("/officer/devices/").content.decode()
    assert token not in listing
    assert f"{device.token_prefix}…" in listing


def test_device_name_is_required(as_user, olivia):
    response = as_user(olivia).post("/officer/devices/", {"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not CaptureDevice.objects.exists()


def test_revoking_stops_the_token(as_user, olivia):
    client = as_user(olivia)
    token = client.post("/officer/devices/", {"name": "Laptop 7"}).context["token"]
    device = CaptureDevice.objects.get()
    response = client.post(f"/officer/devices/{device.pk}/revoke/", follow=True)
    device.refresh_from_db()
    assert device.revoked_by == olivia
    assert device_authenticate(token) is None
    assert 'data-active="false"' in response.content.decode()
    assert AuditEvent.objects.filter(action="device.revoked").count() == 1


def test_revoke_is_post_only(as_user, olivia):
    client = as_user(olivia)
    client.post("/officer/devices/", {"name": "Laptop 8"})
    device = CaptureDevice.objects.get()
    assert client.get(f"/officer/devices/{device.pk}/revoke/").status_code == 405
    device.refresh_from_db()
    assert device.is_active
