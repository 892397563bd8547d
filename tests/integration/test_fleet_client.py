"""The fleet client against a real HTTP server whose answer breaks off after its headers: what a
client sees when File Service is killed between writing the headers and the body. And the
fleet runner's health check against a server whose status line is garbled.

Found by a fresh-clone run (ci31): `http.client.IncompleteRead` is not an OSError, so the fault
suite's upload retry did not recognise the lost answer and the test failed instead of retrying.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from scripts.fleet.client import FleetClient, FleetUrls
from scripts.fleet.running import answers_ok
from tests.support.faults import upload_with_retry

ANSWER = {"accepted": [{"file_name": "a.txt", "file_upload_id": "u-1", "duplicate": False}]}


class CutFirstAnswer(BaseHTTPRequestHandler):
    """Answers every POST 200, but the first one only with its headers: the connection closes
    where the body should start. Records each request's Idempotency-Key."""

    keys: ClassVar[list[str | None]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.keys.append(self.headers.get("Idempotency-Key"))
        body = json.dumps(ANSWER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if len(self.keys) == 1:
            self.close_connection = True  # headers sent, body never: as if killed here
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def cutting_server() -> Iterator[tuple[str, list[str | None]]]:
    keys: list[str | None] = []

    class Handler(CutFirstAnswer):
        pass

    Handler.keys = keys  # this server's own record, so the first POST is this test's
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", keys
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def essay(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_text("An essay.", encoding="utf-8")
    return path


def test_an_answer_cut_off_after_its_headers_is_a_connection_error(
    cutting_server: tuple[str, list[str | None]], essay: Path
) -> None:
    url, _ = cutting_server
    client = FleetClient(FleetUrls(file=url), timeout=10)
    with pytest.raises(ConnectionError, match="cut off"):
        client.upload("batch-1", [essay], idempotency_key="k-1")


def test_upload_retry_resends_a_cut_off_upload_with_the_same_key(
    cutting_server: tuple[str, list[str | None]], essay: Path
) -> None:
    url, keys = cutting_server
    client = FleetClient(FleetUrls(file=url), timeout=10)

    answer = upload_with_retry(client, "batch-1", [essay])

    assert answer == ANSWER
    assert len(keys) == 2
    assert keys[0] is not None and keys[0] == keys[1]


def test_a_garbled_status_line_is_not_healthy_yet() -> None:
    """A process dying mid-answer can leave a partial status line: http.client raises
    BadStatusLine, an HTTPException, not an OSError; the health check must say "not yet"
    (and the runner poll again), not raise."""
    listener = socket.create_server(("127.0.0.1", 0))

    def answer_garbage() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            connection.sendall(b"HTTP/1.1 2")  # cut inside the status code
        listener.close()

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    assert answers_ok(f"http://127.0.0.1:{listener.getsockname()[1]}/healthz") is False
    thread.join(timeout=10)
