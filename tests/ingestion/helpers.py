"""Builders for capture batches and a device to post them with."""

import uuid
from datetime import UTC, datetime, timedelta

import orjson

from governance.services.devices import device_create


def device_with_token(actor=None, name="test laptop"):
    return device_create(name=name, actor=actor)


def stamp(offset_ms: int = 0, base: datetime | None = None) -> str:
    base = base or datetime.now(UTC).replace(microsecond=0)
    return (base + timedelta(milliseconds=offset_ms)).isoformat(timespec="milliseconds")


def event(employee="alice@example.com", app="code", type="key_down", **extra):
    item = {
        "employee": employee,
        "ts": extra.pop("ts", stamp()),
        "app": app,
        "type": type,
        "session_id": extra.pop("session_id", "s-1"),
        "window_title": extra.pop("window_title", "main.py - project"),
    }
    if type in ("key_down", "key_up"):
        item["key"] = extra.pop("key", {"code": "KeyA", "char": "a"})
    elif type.startswith("pointer"):
        item["pointer"] = extra.pop("pointer", {"x": 10, "y": 20, "button": "left"})
    elif type == "scroll":
        item["scroll"] = extra.pop("scroll", {"dx": 0, "dy": -3})
    elif type == "menu_select":
        item["menu"] = extra.pop("menu", {"path": ["File", "Save as"]})
    item.update(extra)
    return item


def typed(text: str, employee="alice@example.com", session_id="s-1", start_ms=0, **extra):
    """Key-down events typing `text`, 120 ms apart."""
    return [
        event(
            employee,
            key={"code": f"Key{ch.upper()}" if ch.isalpha() else "Other", "char": ch},
            ts=stamp(start_ms + i * 120),
            session_id=session_id,
            **extra,
        )
        for i, ch in enumerate(text)
    ]


def batch(events, batch_id=None, **extra) -> bytes:
    return orjson.dumps(
        {"batch_id": str(batch_id or uuid.uuid4()), "device_id": "dev-1", "events": events, **extra}
    )


def post(client, token, body: bytes):
    return client.post(
        "/api/v1/ingest/batches",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
