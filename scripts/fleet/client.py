"""A small client for the fleet's public REST API, standard library only.

Shared by the demo, the benchmarks and tests/smoke/run_core_flow_smoke_test.py, which must run
against a docker compose deployment from a bare checkout, so nothing here imports project
packages. A client logs in as a teacher (`login`, or `register_teacher` first) and then sends
that teacher's token with every call; texts are read through the ELS API (Content Service is
internal).
"""

from __future__ import annotations

import http.client
import json
import mimetypes
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TERMINAL_BATCH_STATUSES = {"completed", "partially_completed", "failed"}


class ApiCallError(RuntimeError):
    """A non-2xx answer; carries the status and the JSON error body."""

    def __init__(self, method: str, url: str, status: int, body: Any) -> None:
        super().__init__(f"{method} {url} -> {status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class FleetUrls:
    """Base URLs of the public services."""

    bos: str = "http://127.0.0.1:5001"
    file: str = "http://127.0.0.1:7001"
    els: str = "http://127.0.0.1:6001"
    identity: str = "http://127.0.0.1:3001"


def encode_multipart(fields: dict[str, str], files: list[Path]) -> tuple[bytes, str]:
    boundary = f"huleedu-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for path in files:
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        header = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{path.name}"\r\nContent-Type: {mime}\r\n\r\n'
        )
        parts.append(header.encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class FleetClient:
    """Log in, register batches, upload essays, follow progress, read results, delete."""

    def __init__(self, urls: FleetUrls, timeout: float = 30.0, token: str | None = None) -> None:
        self.urls = urls
        self.timeout = timeout
        self.token = token

    def _call(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, str]:
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        if content_type:
            request.add_header("Content-Type", content_type)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            return self._exchange(request, method, url)
        except http.client.HTTPException as err:
            # The connection broke inside the answer (e.g. the server was killed between its
            # headers and its body: IncompleteRead). As with a refused or reset connection, the
            # caller cannot know whether the request took effect, so it gets the same OSError
            # family a retry loop (with an Idempotency-Key) already handles.
            raise ConnectionError(f"{method} {url}: the answer was cut off ({err!r})") from err

    def _exchange(
        self, request: urllib.request.Request, method: str, url: str
    ) -> tuple[int, bytes, str]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                parsed: Any = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise ApiCallError(method, url, err.code, parsed) from None

    def _json(self, method: str, url: str, payload: Any = None) -> Any:
        body = json.dumps(payload).encode() if payload is not None else None
        _, raw, _ = self._call(method, url, body, "application/json" if body else None)
        return json.loads(raw) if raw else None

    def register_teacher(self, email: str, password: str, name: str = "Teacher") -> str:
        """Create a teacher account (open registration); returns its teacher_id."""
        body = {"email": email, "password": password, "name": name}
        result: dict[str, Any] = self._json("POST", f"{self.urls.identity}/v1/auth/register", body)
        return str(result["teacher_id"])

    def login(self, email: str, password: str) -> str:
        """Log in; every later call of this client speaks for that teacher. Returns the token."""
        body = {"email": email, "password": password}
        result: dict[str, Any] = self._json("POST", f"{self.urls.identity}/v1/auth/login", body)
        self.token = str(result["access_token"])
        return self.token

    def register_batch(self, course_code: str, expected: int, **context: Any) -> dict[str, Any]:
        payload = {
            "course_code": course_code,
            "class_designation": context.get("class_designation", "9A"),
            "essay_instructions": context.get("essay_instructions", "Write about your summer."),
            "expected_essay_count": expected,
        }
        for optional in ("essay_ids", "requested_pipelines"):
            if optional in context:
                payload[optional] = context[optional]
        result: dict[str, Any] = self._json("POST", f"{self.urls.bos}/v1/batches/register", payload)
        return result

    def upload(
        self, batch_id: str, files: list[Path], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Upload files to the batch. With `idempotency_key`, sending the same upload again
        (after a lost answer) returns the first answer instead of uploading twice."""
        body, content_type = encode_multipart({"batch_id": batch_id}, files)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        url = f"{self.urls.file}/v1/files/batch"
        _, raw, _ = self._call("POST", url, body, content_type, headers)
        result: dict[str, Any] = json.loads(raw)
        return result

    def run_pipelines(self, batch_id: str, pipelines: list[str]) -> dict[str, Any]:
        """Run more pipelines on a finished batch (202); the batch is processing again."""
        url = f"{self.urls.bos}/v1/batches/{batch_id}/pipelines"
        result: dict[str, Any] = self._json("POST", url, {"pipelines": pipelines})
        return result

    def batch(self, batch_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"{self.urls.bos}/v1/batches/{batch_id}")
        return result

    def batches(self, limit: int = 100) -> list[dict[str, Any]]:
        """The teacher's own batches, newest first."""
        result: dict[str, Any] = self._json("GET", f"{self.urls.bos}/v1/batches?limit={limit}")
        return list(result["batches"])

    def delete_batch(self, batch_id: str) -> None:
        """Delete the batch and everything of it (202: done within seconds, not at once)."""
        self._call("DELETE", f"{self.urls.bos}/v1/batches/{batch_id}")

    def essays(self, batch_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"{self.urls.els}/v1/batches/{batch_id}/essays")
        return result

    def essay(self, essay_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"{self.urls.els}/v1/essays/{essay_id}")
        return result

    def essay_text(self, essay_id: str, version: str = "original") -> str:
        """An essay's text, `original` or `corrected`."""
        url = f"{self.urls.els}/v1/essays/{essay_id}/text?version={version}"
        _, raw, _ = self._call("GET", url)
        return raw.decode("utf-8")

    def corrections(self, essay_id: str) -> list[dict[str, Any]]:
        """The spellcheck's corrections: `[{original, corrected, start, end}]`."""
        result: list[dict[str, Any]] = self._json(
            "GET", f"{self.urls.els}/v1/essays/{essay_id}/corrections"
        )
        return result

    def wait_for_batch(
        self, batch_id: str, timeout: float, on_change: Any = None
    ) -> dict[str, Any]:
        """Poll the batch until it is terminal; calls on_change(batch) when progress moves."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                batch = self.batch(batch_id)
            except OSError:  # BOS restarting: keep polling until the deadline
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)  # polling interval against a remote API
                continue
            seen = (batch["status"], json.dumps(batch["pipeline_state"], sort_keys=True))
            if seen != last and on_change is not None:
                on_change(batch)
            last = seen
            if batch["status"] in TERMINAL_BATCH_STATUSES:
                return batch
            if time.monotonic() > deadline:
                raise TimeoutError(f"batch {batch_id} still {batch['status']} after {timeout}s")
            time.sleep(0.5)  # polling interval against a remote API
