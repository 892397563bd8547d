"""Bad-input catalogue against the running fleet: every case a 4xx JSON error, never a 500.

Also poison Kafka messages on every consumed topic: each lands in its DLT with the reason, and
the consumers keep going (a normal batch completes afterwards).
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from common_core.enums import ProcessingEvent
from common_core.topics import dlt_topic_name, topic_name
from scripts.fleet.client import FleetClient, encode_multipart
from scripts.fleet.running import RunningFleet
from tests.support.batches import assert_completed_exactly_once, write_essays
from tests.support.kafka import collect_records

pytestmark = pytest.mark.e2e

BOS, FILE, ELS, CONTENT = (
    "http://127.0.0.1:5001",
    "http://127.0.0.1:7001",
    "http://127.0.0.1:6001",
    "http://127.0.0.1:8001",
)
REGISTER = f"{BOS}/v1/batches/register"
UPLOAD = f"{FILE}/v1/files/batch"
VALID = {
    "course_code": "ENG5",
    "class_designation": "9A",
    "essay_instructions": "Write.",
    "expected_essay_count": 2,
}


def call(
    method: str, url: str, body: bytes | None = None, ctype: str | None = None, token: str = ""
) -> Any:
    request = urllib.request.Request(url, data=body, method=method)
    if ctype:
        request.add_header("Content-Type", ctype)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def as_json(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def multipart(tmp: Path, batch_id: str | None, files: dict[str, bytes]) -> tuple[bytes, str]:
    paths = []
    for name, data in files.items():
        path = tmp / name
        path.write_bytes(data)
        paths.append(path)
    return encode_multipart({"batch_id": batch_id} if batch_id else {}, paths)


Case = tuple[str, str, str, bytes | None, str | None, set[int]]
JSON = "application/json"


def register(name: str, changes: dict[str, Any], expected: set[int]) -> Case:
    """A registration request: the valid body with `changes` applied."""
    return (name, "POST", REGISTER, as_json({**VALID, **changes}), JSON, expected)


def get(name: str, url: str, expected: set[int]) -> Case:
    return (name, "GET", url, None, None, expected)


def upload(name: str, form: tuple[bytes, str], expected: set[int]) -> Case:
    return (name, "POST", UPLOAD, form[0], form[1], expected)


def cases(client: FleetClient, tmp: Path) -> list[Case]:
    open_batch = client.register_batch("ENG5", 2)["batch_id"]
    done_batch = client.register_batch("ENG5", 1)["batch_id"]
    ok_file = tmp / "ok.txt"
    ok_file.write_text("A short essay that is fine.\n")
    client.upload(done_batch, [ok_file])
    client.wait_for_batch(done_batch, timeout=120)
    taken = [uuid.uuid4().hex, uuid.uuid4().hex]
    client.register_batch("ENG5", 2, essay_ids=taken)
    big = b"x" * (6 * 1024 * 1024)
    many = {f"f{i}.txt": b"essay text %d" % i for i in range(501)}
    return [
        ("bos malformed json", "POST", REGISTER, b'{"course_code": ', JSON, {400}),
        ("bos empty body", "POST", REGISTER, b"", JSON, {400, 422}),
        ("bos json array", "POST", REGISTER, b"[1, 2]", JSON, {400, 422}),
        ("bos wrong content type", "POST", REGISTER, as_json(VALID), "text/plain", {400, 415}),
        ("bos wrong method", "PUT", REGISTER, None, None, {405}),
        ("bos head on a post route", "HEAD", REGISTER, None, None, {405}),
        ("bos json nested 1000 deep", "POST", REGISTER, b"[" * 1000 + b"]" * 1000, JSON, {400}),
        register("bos bidi override in class", {"class_designation": "9A\u202etxt.exe"}, {422}),
        register("bos nul in class", {"class_designation": "9\x00A"}, {422}),
        register("bos wrong type", {"expected_essay_count": "ten"}, {422}),
        register("bos count zero", {"expected_essay_count": 0}, {422}),
        register("bos count 501", {"expected_essay_count": 501}, {422}),
        register("bos unknown course", {"course_code": "MATH1"}, {422}),
        register("bos missing field", {"class_designation": None}, {422}),
        register("bos duplicate essay ids", {"essay_ids": ["a", "a"]}, {422}),
        register("bos essay ids wrong count", {"essay_ids": ["a"]}, {422}),
        register("bos unknown pipeline", {"requested_pipelines": ["ai"]}, {422}),
        register("bos essay ids of another batch", {"essay_ids": [taken[1], "x"]}, {409}),
        register("bos huge body", {"essay_instructions": "x" * 20_000_000}, {413, 422}),
        get("bos unknown batch", f"{BOS}/v1/batches/{uuid.uuid4()}", {404}),
        get("bos traversal id", f"{BOS}/v1/batches/..%2F..%2Fetc%2Fpasswd", {400, 404}),
        upload("file no batch id", multipart(tmp, None, {"a.txt": b"text"}), {400}),
        upload("file no files", encode_multipart({"batch_id": open_batch}, []), {400}),
        upload("file unknown batch", multipart(tmp, uuid.uuid4().hex, {"a.txt": b"t"}), {404}),
        upload("file finished batch", multipart(tmp, done_batch, {"b.txt": b"two"}), {409}),
        upload("file oversized", multipart(tmp, open_batch, {"big.txt": big}), {413}),
        upload("file too many files", multipart(tmp, open_batch, many), {400, 413}),
        upload("file json body", (as_json({"batch_id": open_batch}), JSON), {400, 415}),
        ("file head on a post route", "HEAD", UPLOAD, None, None, {405}),
        get("content malformed id", f"{CONTENT}/v1/content/not-hex", {400}),
        get("content traversal", f"{CONTENT}/v1/content/..%2F..%2Fetc%2Fpasswd", {400, 404}),
        get("content unknown id", f"{CONTENT}/v1/content/{uuid.uuid4().hex}", {404}),
        ("content empty body", "POST", f"{CONTENT}/v1/content", b"", "text/plain", {400}),
        ("content no batch", "POST", f"{CONTENT}/v1/content", b"text", "text/plain", {400}),
        ("content oversized", "POST", f"{CONTENT}/v1/content", big * 2, "text/plain", {413}),
        get("els unknown essay", f"{ELS}/v1/essays/{uuid.uuid4()}", {404}),
        get("els unknown batch", f"{ELS}/v1/batches/{uuid.uuid4()}/essays", {404}),
        get("els traversal", f"{ELS}/v1/essays/..%2F..%2Fetc", {400, 404}),
    ]


def test_bad_input_catalogue(fleet: RunningFleet, client: FleetClient, tmp_path: Path) -> None:
    failures = []
    catalogue = cases(client, tmp_path)
    assert len(catalogue) >= 25
    for name, method, url, body, ctype, expected in catalogue:
        # Each with the credential its service wants: a teacher's token, or the fleet's
        # service token for the internal Content Service (its refusals are in test_security).
        token = fleet.content_token if url.startswith(CONTENT) else (client.token or "")
        status, raw = call(method, url, body, ctype, token)
        try:
            error = json.loads(raw)["error"]
            well_formed = bool(error["code"]) and bool(error["message"])
        except (ValueError, KeyError, TypeError):
            well_formed = method == "HEAD"  # a HEAD answer has no body by definition
        if status not in expected or not well_formed or b"Traceback" in raw:
            failures.append(f"{name}: {status} {raw[:200]!r}")
    assert not failures, "\n".join(failures)


POISON = {
    "not json": b"\x00\x01 definitely not json",
    "wrong schema": b'{"hello": "world"}',
    "unknown event type": json.dumps(
        {
            "event_type": "huleedu.unknown.v1",
            "source_service": "x",
            "correlation_id": "c",
            "data": {"batch_id": "b"},
        }
    ).encode(),
    "missing fields": json.dumps(
        {"event_type": "{topic}", "source_service": "x", "correlation_id": "c", "data": {}}
    ).encode(),
}
CONSUMED = [
    ProcessingEvent.BATCH_ESSAYS_REGISTERED,
    ProcessingEvent.ESSAY_CONTENT_READY,
    ProcessingEvent.ESSAY_VALIDATION_FAILED,
    ProcessingEvent.BATCH_SPELLCHECK_INITIATE_COMMAND,
    ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED,
    ProcessingEvent.BATCH_ESSAYS_READY,
    ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED,
    ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED,
]


async def _send_poison(bootstrap: str, marker: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event in CONSUMED:
            topic = topic_name(event)
            for kind, value in POISON.items():
                await producer.send_and_wait(
                    topic,
                    value.replace(b"{topic}", topic.encode()),
                    key=f"{marker}:{kind}".encode(),
                )
    finally:
        await producer.stop()


def test_poison_messages_land_in_their_dlt_and_consumers_go_on(
    fleet: RunningFleet, client: FleetClient, tmp_path: Path
) -> None:
    marker = f"poison-{uuid.uuid4().hex}"
    asyncio.run(_send_poison(fleet.kafka_bootstrap, marker))

    for event in CONSUMED:
        dead = asyncio.run(
            collect_records(
                fleet.kafka_bootstrap,
                dlt_topic_name(topic_name(event)),
                lambda r: (r.key or b"").startswith(marker.encode()),
                count=len(POISON),
                timeout=60,
            )
        )
        assert len(dead) == len(POISON), f"{event}: {len(dead)} of {len(POISON)} dead-lettered"
        for record in dead:
            headers = dict(record.headers)
            assert headers["dlt.reason"] == b"invalid_message"
            assert headers["dlt.original_topic"] == topic_name(event).encode()
            assert headers["dlt.error"]

    files = write_essays(tmp_path, 3, seed=77)
    batch_id = client.register_batch("ENG6", 3)["batch_id"]
    client.upload(batch_id, files)
    assert_completed_exactly_once(client, fleet.kafka_bootstrap, batch_id, 3)
