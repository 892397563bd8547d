"""Spellcheck hand-out and results through the real broker; the outbox surviving a crash."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from common_core.db import create_engine
from common_core.enums import EssayStatus, Language, ProcessingEvent
from common_core.outbox import OutboxMessage
from common_core.topics import dlt_topic_name, topic_name
from services.essay_lifecycle_service.config import ELSSettings
from services.essay_lifecycle_service.handlers import (
    assign_content_to_slot,
    register_batch,
)
from services.essay_lifecycle_service.models.orm import migrate_schema
from services.essay_lifecycle_service.unit_of_work import SqlUnitOfWorkFactory, create_writer_engine
from tests.support.els import (
    Els,
    WorkerHandle,
    ready_batch,
    start_group_at_end,
)
from tests.support.els_events import (
    content_ready,
    new_id,
    registered,
    spellcheck_command,
    spellcheck_result,
)

pytestmark = pytest.mark.kafka

READY = ProcessingEvent.BATCH_ESSAYS_READY
REQUESTED = ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED
UPDATED = ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED


async def test_command_requests_each_essay_and_results_update_state(
    worker: WorkerHandle, els: Els
) -> None:
    batch_id, essays = await ready_batch(els, 2)
    ids = [e["essay_id"] for e in essays]
    command = spellcheck_command(
        batch_id, [(e["essay_id"], e["text_storage_id"]) for e in essays], Language.SWEDISH
    )
    await els.publisher.publish(command, correlation_id="corr-cmd")

    requests = await els.records(REQUESTED, set(ids), count=2)
    assert sorted(r["data"]["entity_ref"]["entity_id"] for r in requests) == sorted(ids)
    for request in requests:
        assert request["correlation_id"] == "corr-cmd"
        assert request["data"]["language"] == "sv"
        assert request["data"]["entity_ref"]["parent_id"] == batch_id
        essay_id = request["data"]["entity_ref"]["entity_id"]
        assert request["data"]["text_storage_id"] == essays[ids.index(essay_id)]["text_storage_id"]
    awaiting = await els.records(UPDATED, batch_id, count=2)
    assert [u["data"]["status"] for u in awaiting] == ["awaiting_spellcheck"] * 2

    await els.publisher.publish(command, correlation_id="corr-cmd-again")  # a redelivery
    success = spellcheck_result(batch_id, ids[0], corrections=4)
    failure = spellcheck_result(batch_id, ids[1], EssayStatus.SPELLCHECK_FAILED)
    for result in (success, failure, success):  # the second success is a duplicate
        await els.publisher.publish(result, correlation_id="corr-result")

    updates = await els.records(UPDATED, batch_id, count=5, timeout=6)
    assert sorted(u["data"]["status"] for u in updates[2:]) == [
        "spellcheck_failed",
        "spellchecked_success",
    ]
    assert all(u["data"]["phase"] == "spellcheck" for u in updates)
    assert len(await els.records(REQUESTED, set(ids), count=3, timeout=2)) == 2

    status, done = await els.get(f"/v1/essays/{ids[0]}")
    assert status == 200
    assert done["status"] == "spellchecked_success"
    assert done["storage_references"] == {
        "original_essay": essays[0]["text_storage_id"],
        "corrected_text": "c" * 32,
        "spellcheck_log": "d" * 32,
    }
    assert done["spellcheck"] == {"language": "sv", "corrections_made": 4}
    assert [t["status"] for t in done["timeline"]] == [
        "ready_for_processing",
        "awaiting_spellcheck",
        "spellchecked_success",
    ]
    status, failed = await els.get(f"/v1/essays/{ids[1]}")
    assert failed["status"] == "spellcheck_failed"
    assert failed["spellcheck"]["error"] == "content service unavailable"


async def test_result_for_an_unknown_essay_is_dead_lettered_and_the_worker_goes_on(
    worker: WorkerHandle, els: Els
) -> None:
    batch_id, essays = await ready_batch(els, 1)
    ghost = spellcheck_result(batch_id, new_id("ghost"))
    await els.publisher.publish(ghost, correlation_id="corr-ghost")
    await els.publisher.publish(
        spellcheck_result(batch_id, essays[0]["essay_id"]), correlation_id="corr-real"
    )

    dead = await els.records_on(
        dlt_topic_name(topic_name(ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED)),
        batch_id,
        count=1,
    )
    (update,) = await els.records(UPDATED, batch_id, count=1)

    assert dead[0]["data"]["entity_ref"]["entity_id"] == ghost.entity_ref.entity_id
    assert update["correlation_id"] == "corr-real"


async def test_events_committed_before_a_crash_are_published_after_restart(
    els: Els, els_settings: ELSSettings
) -> None:
    # "Process one" handles everything and commits, but dies before its relay published.
    engine = create_writer_engine(els_settings.database_url)
    await migrate_schema(engine)
    store = SqlUnitOfWorkFactory.for_engine(engine)()
    batch_id = new_id("crash")
    await register_batch(registered(batch_id, 1), "corr-crash", store)
    await assign_content_to_slot(content_ready(batch_id), "corr-crash", store)
    await engine.dispose()
    assert await els.records(READY, batch_id, count=1, timeout=2) == []

    # "Process two": a new worker on the same file; its relay finds the committed event.
    await start_group_at_end(els_settings.kafka_bootstrap_servers, els_settings.consumer_group)
    restarted = WorkerHandle(els_settings)
    await restarted.start()
    try:
        (ready,) = await els.records(READY, batch_id, count=1)
    finally:
        await restarted.stop()

    assert ready["correlation_id"] == "corr-crash"
    assert len(ready["data"]["ready_essays"]) == 1
    engine = create_engine(els_settings.database_url)
    async with engine.connect() as conn:
        pending = await conn.scalar(
            select(func.count()).where(OutboxMessage.published_at.is_(None))
        )
    await engine.dispose()
    assert pending == 0
