"""Slot assignment through the real broker, worker and SQLite file, read back via the real API."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from common_core.db import create_engine, session_factory
from common_core.enums import ContentType, ProcessingEvent
from services.essay_lifecycle_service.config import SERVICE_NAME, ELSSettings
from services.essay_lifecycle_service.handlers import (
    assign_content_to_slot,
    register_batch,
)
from services.essay_lifecycle_service.models.orm import UploadRow, migrate_schema
from services.essay_lifecycle_service.unit_of_work import SqlUnitOfWorkFactory, create_writer_engine
from tests.support.els import Els, WorkerHandle
from tests.support.els_events import (
    content_ready,
    new_id,
    registered,
    validation_failed,
)
from tests.support.kafka import poll

pytestmark = pytest.mark.kafka

READY = ProcessingEvent.BATCH_ESSAYS_READY


def assigned(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in view["essays"] if e["file_upload_id"] is not None]


async def register(els: Els, batch_id: str, count: int) -> None:
    await els.publisher.publish(registered(batch_id, count), correlation_id=f"reg-{batch_id}")
    await els.wait_batch(batch_id, lambda b: len(b["essays"]) == count)


async def test_normal_order_fills_slots_and_publishes_ready_once(
    worker: WorkerHandle, els: Els
) -> None:
    batch_id = new_id("normal")
    await register(els, batch_id, 2)
    contents = [content_ready(batch_id), content_ready(batch_id)]
    for event in contents:
        await els.publisher.publish(event, correlation_id="corr-upload")

    (ready,) = await els.records(READY, batch_id, count=1)

    assert ready["correlation_id"] == "corr-upload"
    assert ready["source_service"] == SERVICE_NAME
    data = ready["data"]
    assert [r["essay_id"] for r in data["ready_essays"]] == registered(batch_id, 2).essay_ids
    assert {r["text_storage_id"] for r in data["ready_essays"]} == {
        c.content_storage_reference.storage_id(ContentType.ORIGINAL_ESSAY) for c in contents
    }
    assert data["failed_uploads"] == []
    view = await els.wait_batch(batch_id, lambda b: b["ready"])
    assert {e["status"] for e in view["essays"]} == {"ready_for_processing"}
    assert view["essays"][0]["student_name"] == "Anna Svensson"


async def test_content_before_registration_is_kept_and_assigned_on_registration(
    worker: WorkerHandle, els: Els, els_settings: ELSSettings
) -> None:
    batch_id = new_id("early")
    early = [content_ready(batch_id), content_ready(batch_id)]
    for event in early:
        await els.publisher.publish(event, correlation_id="corr-upload")
    # The batch is unknown, so the API has nothing to show; wait until both are stored pending.
    assert await poll_pending(els_settings, batch_id, 2)
    assert await els.batch(batch_id) is None

    await els.publisher.publish(registered(batch_id, 2), correlation_id="corr-register")

    (ready,) = await els.records(READY, batch_id, count=1)
    assert ready["correlation_id"] == "corr-register"
    view = await els.wait_batch(batch_id, lambda b: b["ready"])
    assert [e["file_upload_id"] for e in view["essays"]] == [e.file_upload_id for e in early]


async def test_same_content_twice_through_kafka_takes_one_slot(
    worker: WorkerHandle, els: Els
) -> None:
    batch_id = new_id("redelivered")
    await register(els, batch_id, 2)
    first, second = content_ready(batch_id), content_ready(batch_id)
    envelope = els.publisher.envelope(first, "corr-upload")
    await els.publisher.publish_envelope(envelope)
    await els.publisher.publish_envelope(envelope)  # the broker redelivers the same message
    await els.wait_batch(batch_id, lambda b: len(assigned(b)) == 1)

    await els.publisher.publish(second, correlation_id="corr-upload")

    (ready,) = await els.records(READY, batch_id, count=2, timeout=4)
    view = await els.wait_batch(batch_id, lambda b: b["ready"])
    assert sorted(e["file_upload_id"] for e in assigned(view)) == sorted(
        [first.file_upload_id, second.file_upload_id]
    )
    assert len(ready["data"]["ready_essays"]) == 2
    assert view["failed_uploads"] == view["excess_uploads"] == []


async def test_concurrent_duplicates_and_a_race_for_the_last_slot_are_safe_in_the_database(
    els: Els, els_settings: ELSSettings
) -> None:
    # Two stores on two engines: the same contention as two worker processes on one file.
    engines = [create_writer_engine(els_settings.database_url) for _ in range(2)]
    await migrate_schema(engines[0])
    stores = [SqlUnitOfWorkFactory.for_engine(engine) for engine in engines]
    batch_id = new_id("concurrent")
    await register_batch(registered(batch_id, 2), "corr", stores[0]())
    duplicate = content_ready(batch_id)
    rivals = [content_ready(batch_id), content_ready(batch_id)]
    try:
        await asyncio.gather(
            *(assign_content_to_slot(duplicate, "corr", stores[i % 2]()) for i in range(6)),
            *(
                assign_content_to_slot(event, "corr", stores[i % 2]())
                for i, event in enumerate(rivals)
            ),
        )
    finally:
        for engine in engines:
            await engine.dispose()

    view = await els.wait_batch(batch_id, lambda b: b["ready"], timeout=5)
    holders = [e["file_upload_id"] for e in assigned(view)]
    excess = [x["file_upload_id"] for x in view["excess_uploads"]]
    # Three distinct uploads for two slots: each is placed exactly once, whichever won.
    assert len(holders) == 2 and len(excess) == 1
    assert sorted(holders + excess) == sorted(
        [duplicate.file_upload_id, *(r.file_upload_id for r in rivals)]
    )
    assert view["failed_uploads"] == []


async def test_content_beyond_expected_count_is_excess_and_reported(
    worker: WorkerHandle, els: Els
) -> None:
    batch_id = new_id("excess")
    await register(els, batch_id, 1)
    first, extra = content_ready(batch_id), content_ready(batch_id, name="late.txt")
    await els.publisher.publish(first, correlation_id="corr")
    await els.wait_batch(batch_id, lambda b: b["ready"])

    await els.publisher.publish(extra, correlation_id="corr")

    view = await els.wait_batch(batch_id, lambda b: len(b["excess_uploads"]) == 1)
    assert view["excess_uploads"][0]["file_name"] == "late.txt"
    assert [e["file_upload_id"] for e in view["essays"]] == [first.file_upload_id]
    assert len(await els.records(READY, batch_id, count=2, timeout=4)) == 1


async def test_validation_failures_complete_the_batch(worker: WorkerHandle, els: Els) -> None:
    batch_id = new_id("failures")
    await register(els, batch_id, 3)
    await els.publisher.publish(content_ready(batch_id), correlation_id="corr")
    await els.publisher.publish(validation_failed(batch_id, "empty.txt"), correlation_id="corr")
    await els.publisher.publish(validation_failed(batch_id, "photo.png"), correlation_id="corr")

    (ready,) = await els.records(READY, batch_id, count=1)

    data = ready["data"]
    assert len(data["ready_essays"]) == 1
    assert {f["file_name"] for f in data["failed_uploads"]} == {"empty.txt", "photo.png"}
    assert {f["error_code"] for f in data["failed_uploads"]} == {"empty_content"}
    view = await els.wait_batch(batch_id, lambda b: b["ready"])
    assert {f["file_name"] for f in view["failed_uploads"]} == {"empty.txt", "photo.png"}
    assert [e["status"] for e in view["essays"]] == [
        "ready_for_processing",
        "awaiting_content",
        "awaiting_content",
    ]


async def test_restarted_worker_continues_from_the_stored_state(
    worker: WorkerHandle, els: Els
) -> None:
    batch_id = new_id("restart")
    await register(els, batch_id, 2)
    first = content_ready(batch_id)
    await els.publisher.publish(first, correlation_id="corr")
    await els.wait_batch(batch_id, lambda b: len(assigned(b)) == 1)

    await worker.stop()
    second = content_ready(batch_id)
    await els.publisher.publish(second, correlation_id="corr")  # arrives while it is down
    await worker.start()

    (ready,) = await els.records(READY, batch_id, count=1)
    assert [r["essay_id"] for r in ready["data"]["ready_essays"]] == registered(
        batch_id, 2
    ).essay_ids
    view = await els.wait_batch(batch_id, lambda b: b["ready"])
    assert [e["file_upload_id"] for e in view["essays"]] == [
        first.file_upload_id,
        second.file_upload_id,
    ]


async def poll_pending(settings: ELSSettings, batch_id: str, count: int) -> bool:
    """Wait until `count` uploads of the batch are stored as pending (straight from the DB)."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)

    async def pending() -> int:
        async with sessions() as session:
            found = await session.scalar(
                select(func.count()).where(
                    UploadRow.batch_id == batch_id, UploadRow.kind == "pending"
                )
            )
        return int(found or 0)

    try:
        return await poll(pending, lambda n: n == count, 30) == count
    finally:
        await engine.dispose()
