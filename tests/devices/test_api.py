"""Capture devices: the token is shown once and only its hash is kept; revoking ends it."""

import hashlib

from django.forms.models import model_to_dict

from governance.models import AuditEvent, CaptureDevice
from governance.services.devices import device_authenticate
from tests.conftest import written


def test_registering_a_device_shows_its_token_once_and_stores_only_its_hash(client_as, olivia):
    client = client_as(olivia)

    response = client.post("/api/v1/devices", {"name": "laptop-42"}, format="json")

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    token = body["token"]
    device = CaptureDevice.objects.get(pk=body["id"])
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = model_to_dict(device)
    assert all(token not in str(value) for value in row.values())
    assert token.startswith(body["token_prefix"]) and len(body["token_prefix"]) < len(token)
    assert device_authenticate(token) == device

    listed = client.get("/api/v1/devices").content.decode()
    detail = client.get(f"/api/v1/devices/{device.pk}").content.decode()
    audit = list(AuditEvent.objects.values_list("details", flat=True))
    assert token not in listed
    assert token not in detail
    assert token not in str(audit)


def test_revoking_a_device_stops_its_token(client_as, olivia):
    client = client_as(olivia)
    created = client.post("/api/v1/devices", {"name": "laptop-42"}, format="json").json()

    response = client.post(f"/api/v1/devices/{created['id']}/revoke")

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["revoked_by"] == olivia.username
    assert device_authenticate(created["token"]) is None
    assert CaptureDevice.objects.get(pk=created["id"]).revoked_at is not None

    before = written()
    assert client.post(f"/api/v1/devices/{created['id']}/revoke").status_code == 200
    assert written() == before


def test_active_filter_hides_revoked_devices(client_as, olivia):
    client = client_as(olivia)
    kept = client.post("/api/v1/devices", {"name": "kept"}, format="json").json()
    gone = client.post("/api/v1/devices", {"name": "gone"}, format="json").json()
    client.post(f"/api/v1/devices/{gone['id']}/revoke")

    active = client.get("/api/v1/devices?active=true").json()["results"]

    assert [d["id"] for d in active] == [kept["id"]]


def test_bad_device_registration_is_400_and_creates_nothing(client_as, olivia):
    client = client_as(olivia)
    before = written()

    for body, field in (
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": 12}, "name"),
        ({}, "name"),
        ({"name": "ok", "token": "idg_mine"}, "token"),
    ):
        response = client.post("/api/v1/devices", body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()
    assert written() == before
