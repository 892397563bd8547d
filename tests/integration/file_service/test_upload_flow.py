"""File Service against the real broker, the real Content Service and an HTTP BOS double."""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import json
import uuid
from typing import Any

import aiohttp
import pytest

from common_core.content import content_headers
from common_core.enums import ContentType, ErrorCode, ProcessingEvent
from common_core.envelope import envelope_type
from common_core.events import EssayContentReady, EssayValidationFailed
from common_core.kafka import KafkaEventPublisher
from common_core.metadata import EntityReference, StorageReferenceMetadata, SystemProcessingMetadata
from common_core.processes import free_port
from common_core.topics import topic_name
from common_core.web import CORRELATION_HEADER
from tests.support.auth import IdentityUnderTest
from tests.support.content import (
    CONTENT_TOKEN,
    ContentServiceUnderTest,
    serving_content,
)
from tests.support.documents import encode_multipart, make_docx, make_pdf
from tests.support.files import (
    BosDouble,
    FileServiceFactory,
)
from tests.support.http import simple_post
from tests.support.kafka import Record, collect_records

pytestmark = pytest.mark.kafka

READY_TOPIC = topic_name(ProcessingEvent.ESSAY_CONTENT_READY)
FAILED_TOPIC = topic_name(ProcessingEvent.ESSAY_VALIDATION_FAILED)

ANNA = "Name: Anna Svensson\nanna.svensson@school.se\n\nMy summer was grate.\n"
ASA = "Namn: Åsa Öberg\nHälsningar \u2013 Åsa\nJag tycker om sommaren.\n"


def new_batch(bos: BosDouble, status: str = "awaiting_content") -> str:
    batch_id = f"fs-{uuid.uuid4().hex}"
    bos.statuses[batch_id] = status
    return batch_id


async def upload(
    auth: dict[str, str],
    url: str,
    batch_id: str | None,
    files: list[tuple[str, bytes]],
    correlation_id: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """POST the files to the batch as the teacher whose Authorization `auth` is."""
    form = aiohttp.FormData()
    if batch_id is not None:
        form.add_field("batch_id", batch_id)
    for name, data in files:
        form.add_field("files", data, filename=name, content_type="application/octet-stream")
    headers = {**auth, **({CORRELATION_HEADER: correlation_id} if correlation_id else {})}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/v1/files/batch", data=form, headers=headers) as response,
    ):
        return response.status, await response.json()


def for_batch(batch_id: str) -> Any:
    return lambda record: record.key == batch_id.encode()


def decode(record: Record, model: Any) -> Any:
    return envelope_type(model).model_validate_json(record.value)


async def test_mixed_batch_events_land_on_both_topics(
    file_service: FileServiceFactory,
    bos: BosDouble,
    content_service: ContentServiceUnderTest,
    kafka_bootstrap: str,
    auth: dict[str, str],
) -> None:
    batch_id = new_batch(bos)
    correlation_id = f"corr-{uuid.uuid4().hex}"
    files = [
        ("anna.txt", ANNA.encode("utf-8")),
        ("asa.txt", ASA.encode("cp1252")),
        ("utf16.txt", codecs.BOM_UTF16_LE + "Name: Lo Ek\nHej på dig.".encode("utf-16-le")),
        ("erik.docx", make_docx(["Namn: Erik Berg", "erik@example.org", "Min sommar var bra."])),
        ("lisa.pdf", make_pdf(["Name: Lisa Holm", "Summer in Göteborg was warm."])),
        ("blank.txt", b"  \r\n\t"),
        ("notes.odt", b"odt bytes"),
        ("broken.pdf", b"%PDF-1.7 this is not a pdf"),
        ("anna-again.txt", codecs.BOM_UTF8 + ANNA.encode("utf-8")),
    ]

    async with file_service() as url:
        status, body = await upload(auth, url, batch_id, files, correlation_id)

    assert status == 202, body
    assert body["batch_id"] == batch_id
    assert body["correlation_id"] == correlation_id
    # The same text twice in one upload takes one slot: the copy answers the first id.
    again = body["accepted"].pop()
    accepted = {a["file_name"]: a["file_upload_id"] for a in body["accepted"]}
    rejected = {r["file_name"]: r["error_code"] for r in body["rejected"]}
    assert list(accepted) == ["anna.txt", "asa.txt", "utf16.txt", "erik.docx", "lisa.pdf"]
    assert again == {
        "file_name": "anna-again.txt",
        "file_upload_id": accepted["anna.txt"],
        "duplicate": True,
    }
    assert rejected == {
        "blank.txt": ErrorCode.EMPTY_CONTENT,
        "notes.odt": ErrorCode.UNSUPPORTED_FILE_TYPE,
        "broken.pdf": ErrorCode.UNREADABLE_DOCUMENT,
    }

    ready = await collect_records(kafka_bootstrap, READY_TOPIC, for_batch(batch_id), count=5)
    failed = await collect_records(kafka_bootstrap, FAILED_TOPIC, for_batch(batch_id), count=3)
    ready_events = [decode(r, EssayContentReady) for r in ready]
    failed_events = [decode(r, EssayValidationFailed) for r in failed]

    assert len(ready_events) == 5
    assert len(failed_events) == 3
    by_name = {e.data.original_file_name: e for e in ready_events}
    assert {n: e.data.file_upload_id for n, e in by_name.items()} == accepted
    assert {e.correlation_id for e in ready_events + failed_events} == {correlation_id}
    assert {e.source_service for e in ready_events} == {"file_service"}
    students = {n: (e.data.student_name, e.data.student_email) for n, e in by_name.items()}
    assert students == {
        "anna.txt": ("Anna Svensson", "anna.svensson@school.se"),
        "asa.txt": ("Åsa Öberg", None),
        "utf16.txt": ("Lo Ek", None),
        "erik.docx": ("Erik Berg", "erik@example.org"),
        "lisa.pdf": ("Lisa Holm", None),
    }
    async with aiohttp.ClientSession() as session:
        for name, envelope in by_name.items():
            storage_id = envelope.data.content_storage_reference.storage_id(
                ContentType.ORIGINAL_ESSAY
            )
            async with session.get(
                f"{content_service.url}/v1/content/{storage_id}",
                headers=content_headers(CONTENT_TOKEN),
            ) as stored:
                assert stored.status == 200
                text = (await stored.read()).decode("utf-8")
            assert envelope.data.content_sha256 == hashlib.sha256(text.encode()).hexdigest()
            assert stored.headers["Content-Type"].startswith("text/plain")
            if name == "asa.txt":
                assert text == ASA  # cp1252 decoded, header lines kept
    assert {e.data.original_file_name: e.data.error_code for e in failed_events} == rejected
    assert all(e.data.message for e in failed_events)


@pytest.mark.parametrize(
    ("bos_status", "expected", "code"),
    [(None, 404, "batch_not_found"), ("processing", 409, "batch_not_awaiting_content")],
)
async def test_batch_unknown_or_not_awaiting_content(
    file_service: FileServiceFactory,
    bos: BosDouble,
    bos_status: str | None,
    expected: int,
    code: str,
    auth: dict[str, str],
) -> None:
    batch_id = f"fs-{uuid.uuid4().hex}"
    if bos_status:
        bos.statuses[batch_id] = bos_status
    async with file_service() as url:
        status, body = await upload(auth, url, batch_id, [("a.txt", b"Hello")])
    assert status == expected
    assert body["error"]["code"] == code
    assert batch_id in bos.requests
    assert bos.authorizations[-1] == auth["Authorization"]  # asked as the uploading teacher


async def test_bos_down_is_a_clear_503(
    file_service: FileServiceFactory, bos: BosDouble, auth: dict[str, str]
) -> None:
    batch_id = new_batch(bos)
    async with file_service(bos_url=f"http://127.0.0.1:{free_port()}") as url:
        status, body = await upload(auth, url, batch_id, [("a.txt", b"Hello")])
    assert status == 503
    assert body["error"]["code"] == "bos_unavailable"
    assert "batch service" in body["error"]["message"]


async def test_content_service_down_is_503_and_nothing_is_published(
    file_service: FileServiceFactory,
    bos: BosDouble,
    kafka_bootstrap: str,
    auth: dict[str, str],
) -> None:
    batch_id = new_batch(bos)
    files = [("a.txt", b"First essay"), ("b.txt", b"Second essay"), ("c.odt", b"rejected")]
    async with file_service(content_service_url=f"http://127.0.0.1:{free_port()}") as url:
        status, body = await upload(auth, url, batch_id, files)

    assert status == 503
    assert body["error"]["code"] == "content_service_unavailable"
    await assert_only_sentinels(kafka_bootstrap, batch_id)


async def test_content_service_5xx_is_retried_then_503_and_nothing_is_published(
    file_service: FileServiceFactory,
    bos: BosDouble,
    kafka_bootstrap: str,
    tmp_path: Any,
    auth: dict[str, str],
) -> None:
    batch_id = new_batch(bos)
    store = tmp_path / "store"
    async with serving_content(store) as content_url:
        store.rename(tmp_path / "gone")
        store.write_bytes(b"a file where the store directory was")  # every write now fails
        # What is under test is the answer to 500s: a call timing out on a busy machine (the
        # fixture's 2 s) would be a different failure, tested on its own above.
        async with file_service(
            content_service_url=content_url, content_service_timeout_seconds=30.0
        ) as url:
            status, body = await upload(auth, url, batch_id, [("a.txt", b"Essay"), ("b.txt", b" ")])
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{content_url}/metrics") as metrics,
            ):
                content_metrics = await metrics.text()

    assert status == 503
    assert body["error"]["code"] == "content_service_unavailable"
    assert "500" in body["error"]["details"]["reason"]
    posts = [
        line
        for line in content_metrics.splitlines()
        if line.startswith("huleedu_http_requests_total")
        and 'route="/v1/content"' in line
        and 'status="500"' in line
    ]
    assert posts and float(posts[0].rsplit(" ", 1)[1]) >= 3  # the default three attempts
    await assert_only_sentinels(kafka_bootstrap, batch_id)


async def assert_only_sentinels(bootstrap: str, batch_id: str) -> None:
    """Nothing for `batch_id` on either topic: a sentinel published now is the first found.

    Events are keyed by batch_id, so everything for the batch shares one ordered partition: an
    event the File Service had sent (even late) would be read before the sentinel.
    """
    sentinel = f"sentinel-{uuid.uuid4().hex}"
    metadata = SystemProcessingMetadata(
        entity=EntityReference(entity_id=batch_id, entity_type="batch")
    )
    ready = EssayContentReady(
        batch_id=batch_id,
        file_upload_id=sentinel,
        original_file_name="sentinel",
        content_storage_reference=StorageReferenceMetadata(),
        content_sha256="0" * 64,
        metadata=metadata,
    )
    failed = EssayValidationFailed(
        batch_id=batch_id,
        file_upload_id=sentinel,
        original_file_name="sentinel",
        error_code=ErrorCode.VALIDATION_ERROR,
        message="sentinel",
        metadata=metadata,
    )
    async with KafkaEventPublisher(bootstrap, "test-sentinel") as publisher:
        await publisher.publish_many([(ready, "sentinel"), (failed, "sentinel")])
    for topic in (READY_TOPIC, FAILED_TOPIC):
        found = await collect_records(bootstrap, topic, for_batch(batch_id), count=1)
        ids = [json.loads(r.value)["data"]["file_upload_id"] for r in found]
        assert ids == [sentinel], f"{topic} had events for {batch_id}: {ids}"


async def test_size_limits_over_real_http(
    file_service: FileServiceFactory, bos: BosDouble, auth: dict[str, str]
) -> None:
    batch_id = new_batch(bos)
    async with file_service(max_file_bytes=1000, max_request_bytes=100_000) as url:
        file_status, file_body = await upload(
            auth, url, batch_id, [("small.txt", b"ok"), ("huge.txt", b"x" * 1001)]
        )
        request_status, request_body = await upload(
            auth, url, batch_id, [(f"{i}.txt", b"y" * 900) for i in range(150)]
        )
    assert file_status == 413
    assert file_body["error"]["details"]["file_name"] == "huge.txt"
    assert request_status == 413
    assert request_body["error"]["code"] == "payload_too_large"


async def test_health_and_metrics(
    file_service: FileServiceFactory, bos: BosDouble, auth: dict[str, str]
) -> None:
    async with file_service() as url, aiohttp.ClientSession() as session:
        async with session.get(f"{url}/healthz") as healthy:
            health_body = await healthy.json()
        await upload(
            auth,
            url,
            new_batch(bos),
            [("a.txt", b"Metrics essay " + uuid.uuid4().bytes.hex().encode())],
        )
        async with session.get(f"{url}/metrics") as metrics:
            text = await metrics.text()
    async with (
        file_service(content_service_url=f"http://127.0.0.1:{free_port()}") as url,
        aiohttp.ClientSession() as session,
        session.get(f"{url}/healthz") as broken,
    ):
        broken_body = await broken.json()

    assert healthy.status == 200
    assert health_body["status"] == "ok"
    assert 'route="/v1/files/batch",status="202"' in text
    assert "huleedu_http_request_seconds_bucket" in text
    assert 'huleedu_file_service_files_total{outcome="accepted"}' in text
    assert broken.status == 503
    assert broken_body["error"]["details"] == {"kafka": True, "content_service": False}


async def test_simple_client_gets_readable_413_and_415(
    file_service: FileServiceFactory,
    bos: BosDouble,
    auth: dict[str, str],
) -> None:
    limit = 256 * 1024
    batch_id = new_batch(bos)
    big_form, form_type = encode_multipart({"batch_id": batch_id}, [("big.txt", b"x" * 4 * limit)])
    async with file_service(max_request_bytes=limit, max_file_bytes=limit) as url:
        too_large = await asyncio.to_thread(
            simple_post, f"{url}/v1/files/batch", big_form, form_type, auth
        )
        wrong_type = await asyncio.to_thread(
            simple_post,
            f"{url}/v1/files/batch",
            b"{" + b" " * 2 * limit + b"}",
            "application/json",
            auth,
        )
    assert too_large[0] == 413
    assert json.loads(too_large[1])["error"]["code"] == "payload_too_large"
    assert wrong_type[0] == 415
    assert json.loads(wrong_type[1])["error"]["code"] == "unsupported_media_type"


async def test_an_upload_without_a_teachers_token_is_401_and_asks_nobody(
    file_service: FileServiceFactory, bos: BosDouble, identity: IdentityUnderTest
) -> None:
    batch_id = new_batch(bos)
    asked = len(bos.requests)
    async with file_service() as url:
        for case, headers in (await identity.refused_tokens("t-1")).items():
            status, body = await upload(headers, url, batch_id, [("a.txt", b"Hello")])
            assert status == 401, (case, body)
            assert body["error"]["code"] in {"missing_token", "invalid_token", "token_expired"}
        # A simple client sending the whole body first still reads its 401.
        form, form_type = encode_multipart({"batch_id": batch_id}, [("a.txt", b"x" * 300_000)])
        status, raw = await asyncio.to_thread(simple_post, f"{url}/v1/files/batch", form, form_type)
    assert status == 401 and json.loads(raw)["error"]["code"] == "missing_token"
    assert len(bos.requests) == asked  # BOS was never asked
