"""The endpoint behind the production web server, gunicorn, on the test database.

How a body arrives depends on the server: gunicorn de-chunks a chunked body and
marks the WSGI input as ending there; a body shorter than its Content-Length
reaches the application short once the client stops sending. Both are sent here
byte for byte over a socket. The requests commit, so these tests take
`transactional_db`.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest
from django.conf import settings
from django.db import connection

from governance.models import IngestBatch, InteractionEvent
from tests.ingestion.helpers import batch, event

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker):
    """(host, port) of a gunicorn serving the portal on the test database."""
    with django_db_blocker.unblock():
        test_database = connection.settings_dict["NAME"]
    database_url = urlsplit(settings.DATABASE_URL)._replace(path=f"/{test_database}").geturl()
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "1", "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "PORTAL_TESTING": "1"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield ("127.0.0.1", port)
    finally:
        server.terminate()
        server.wait(timeout=30)


def exchange(web, head: bytes, body: bytes) -> tuple[int, dict]:
    """Send a request as raw bytes, stop sending, and read the whole answer."""
    with socket.create_connection(web, timeout=30) as sock:
        sock.sendall(head + b"\r\n" + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in headers.lower():
        payload = _dechunk(payload)
    return int(status_line.split()[1]), orjson.loads(payload)


def _dechunk(data: bytes) -> bytes:
    out = b""
    while True:
        size, _, data = data.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            return out
        out, data = out + data[:n], data[n + 2 :]


def request_head(token: str, *headers: str) -> bytes:
    lines = [
        "POST /api/v1/ingest/batches HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {token}",
        "Content-Type: application/json",
        "Connection: close",
        *headers,
    ]
    return "".join(f"{line}\r\n" for line in lines).encode()


def chunked(body: bytes, size: int) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def test_a_chunked_batch_is_read_and_stored(transactional_db, web, token, alice_consents_all):
    body = batch([event(), event(type="scroll"), event(type="pointer_down")])

    status, answer = exchange(
        web, request_head(token, "Transfer-Encoding: chunked"), chunked(body, 100)
    )

    assert (status, answer["accepted"]) == (200, 3), answer
    assert InteractionEvent.objects.count() == 3
    assert IngestBatch.objects.get().events == 3


def test_a_chunked_batch_with_a_nul_is_refused_naming_the_field(
    transactional_db, web, token, alice_consents_all
):
    body = batch([event(), event(session_id="s\x00")])

    status, answer = exchange(
        web, request_head(token, "Transfer-Encoding: chunked"), chunked(body, 64)
    )

    assert status == 400, answer
    assert [(p["index"], p["field"]) for p in answer["problems"]] == [(1, "session_id")]
    assert not InteractionEvent.objects.exists() and not IngestBatch.objects.exists()


def test_a_body_shorter_than_its_content_length_is_refused(
    transactional_db, web, token, alice_consents_all
):
    body = batch([event()])

    status, answer = exchange(web, request_head(token, f"Content-Length: {len(body) + 50}"), body)

    assert status == 400, answer
    assert "ended after" in answer["problems"][0]["message"]
    assert not InteractionEvent.objects.exists() and not IngestBatch.objects.exists()
