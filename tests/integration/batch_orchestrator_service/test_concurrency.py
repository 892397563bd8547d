"""Handlers of one batch racing each other on the real databases (a SQLite file, PostgreSQL).

A batch's BatchEssaysReady and its essays' results travel on different topics, so the consumer
may run them at the same moment; the batch lock plus compare-and-set must keep counts exact.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy.exc import DBAPIError

from common_core.db import create_engine, session_factory
from common_core.enums import BatchStatus, CourseCode, EssayStatus, ProcessingStage
from common_core.events import BatchEssaysReady, EssayLifecycleStateUpdated, EssayProcessingInputRef
from common_core.metadata import EntityReference
from services.batch_orchestrator_service.domain import BatchRegistration, ConcurrentUpdateError
from services.batch_orchestrator_service.handlers import (
    StateUpdate,
    handle_batch_essays_ready,
    handle_essay_lifecycle_state_updated,
    handle_essay_lifecycle_state_updates,
    register_batch,
)
from services.batch_orchestrator_service.repository import SqlUnitOfWorkFactory, migrate_schema
from tests.support.bos import batch_meta


@pytest.fixture
async def units_of_work(database_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(database_url)
    await migrate_schema(engine)
    sessions = session_factory(engine)
    try:
        # No relay: these tests look at state, not at Kafka.
        yield SqlUnitOfWorkFactory(sessions)
    finally:
        await engine.dispose()


async def like_the_consumer(call: Callable[[], Awaitable[None]]) -> None:
    """Retry transient failures with backoff, as KafkaConsumerLoop does."""
    for attempt in range(100):
        try:
            await call()
            return
        except (ConcurrentUpdateError, DBAPIError):
            await asyncio.sleep(0.005 * min(attempt, 10))
    raise AssertionError("handler never succeeded")


def result(batch_id: str, essay_id: str, status: EssayStatus) -> EssayLifecycleStateUpdated:
    return EssayLifecycleStateUpdated(
        batch_id=batch_id,
        entity_ref=EntityReference(entity_id=essay_id, entity_type="essay", parent_id=batch_id),
        status=status,
        phase=ProcessingStage.SPELLCHECK,
        metadata=batch_meta(batch_id),
    )


async def test_ready_and_results_racing_still_count_every_essay_once(
    units_of_work: SqlUnitOfWorkFactory,
) -> None:
    registrations = [
        BatchRegistration(CourseCode.ENG5, "9A", "Write.", 3, [uuid.uuid4().hex for _ in range(3)])
        for _ in range(8)
    ]
    batches = [await register_batch(r, "cid", units_of_work()) for r in registrations]
    statuses = [EssayStatus.SPELLCHECKED_SUCCESS] * 2 + [EssayStatus.SPELLCHECK_FAILED]

    async def race(batch_id: str, essay_ids: list[str]) -> None:
        ready = BatchEssaysReady(
            batch_id=batch_id,
            ready_essays=[
                EssayProcessingInputRef(essay_id=e, text_storage_id="t") for e in essay_ids
            ],
            metadata=batch_meta(batch_id),
        )
        calls: list[Callable[[], Awaitable[None]]] = [
            lambda: handle_batch_essays_ready(ready, "cid", units_of_work()),
            lambda: handle_batch_essays_ready(ready, "cid", units_of_work()),  # duplicate
        ]
        for essay_id, status in zip(essay_ids, statuses, strict=True):
            event = result(batch_id, essay_id, status)
            calls += [
                lambda event=event: handle_essay_lifecycle_state_updated(  # type: ignore[misc]
                    event, "cid", units_of_work()
                )
            ] * 2  # each result delivered twice
        await asyncio.gather(*(like_the_consumer(call) for call in calls))

    # Every result a third time, in one call spanning all batches as one poll would (reversed,
    # so the call's order is not the lock order the handler must impose).
    every_result = [
        StateUpdate(result(b.batch_id, e, s), "cid")
        for b in batches
        for e, s in zip(b.essay_ids, statuses, strict=True)
    ][::-1]
    await asyncio.gather(
        *(race(b.batch_id, b.essay_ids) for b in batches),
        like_the_consumer(
            lambda: handle_essay_lifecycle_state_updates(every_result, units_of_work())
        ),
    )

    for batch in batches:
        async with units_of_work() as uow:
            stored = await uow.batches.get(batch.batch_id)
        assert stored is not None
        assert stored.status is BatchStatus.PARTIALLY_COMPLETED, stored.pipeline_state
        counts = stored.pipeline_state.detail("spellcheck").essay_counts
        assert (counts.total, counts.successful, counts.failed, counts.pending) == (3, 2, 1, 0)
