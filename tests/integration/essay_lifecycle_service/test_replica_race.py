"""Two ELS worker replicas racing on one batch on PostgreSQL (the production topology).

The batch's registration, contents and failures travel on three topics, so different replicas
own them, and a rebalance hands a poll to the other replica while the first may still be
applying it. Each replica here is a writer engine of its own (as a process has), applying its
polls concurrently with the consumer's retries, in a seeded random order and with duplicates.

Whatever the interleaving: one content never takes two slots, one slot never holds two
contents, every content is either in a slot or reported as excess, and BatchEssaysReady is
queued exactly once, listing exactly the slots' final contents and the failed uploads.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.db import session_factory
from common_core.enums import ContentType, ProcessingEvent
from common_core.events import EssayContentReady, EssayValidationFailed
from common_core.outbox import OutboxMessage
from common_core.topics import topic_name
from services.essay_lifecycle_service.handlers import (
    assign_contents_to_slots,
    record_validation_failures,
    register_batch,
)
from services.essay_lifecycle_service.models.orm import migrate_schema
from services.essay_lifecycle_service.unit_of_work import SqlUnitOfWorkFactory, create_writer_engine
from services.essay_lifecycle_service.views import EssayViews
from tests.support.els_events import (
    TEACHER_ID,
    content_ready,
    new_id,
    registered,
    validation_failed,
)

SLOTS, CONTENTS, FAILURES, BATCHES = 20, 26, 3, 6
SEED = int(os.environ.get("RACE_SEED", random.SystemRandom().randrange(1_000_000)))


async def like_the_consumer(call: Callable[[], Awaitable[None]]) -> None:
    """Retry a transient failure (a slot taken meanwhile, a busy database) with backoff."""
    for attempt in range(200):
        try:
            await call()
            return
        except Exception:  # the consuming loop retries any non-permanent failure
            await asyncio.sleep(0.002 * min(attempt, 20))
    raise AssertionError("handler never succeeded")


async def ready_events(engine: AsyncEngine, batch_id: str) -> list[dict[str, Any]]:
    async with session_factory(engine)() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.key == batch_id,
                OutboxMessage.topic == topic_name(ProcessingEvent.BATCH_ESSAYS_READY),
            )
        )
        return [json.loads(row.value)["data"] for row in rows]


@dataclass
class RacedBatch:
    """One batch's events, and the calls two replicas make with them."""

    batch_id: str
    contents: list[EssayContentReady]
    failures: list[EssayValidationFailed]


def deliveries(
    rng: random.Random, replicas: list[SqlUnitOfWorkFactory]
) -> tuple[RacedBatch, list[Callable[[], Awaitable[None]]]]:
    """A batch and its polls as the replicas would get them: small runs in order, about a third
    redelivered to the other replica too (a rebalance mid-poll)."""
    batch = RacedBatch(new_id("race"), [], [])
    batch.contents = [content_ready(batch.batch_id) for _ in range(CONTENTS)]
    batch.failures = [validation_failed(batch.batch_id) for _ in range(FAILURES)]
    calls: list[Callable[[], Awaitable[None]]] = []
    for events, handler in (
        (batch.contents, assign_contents_to_slots),
        (batch.failures, record_validation_failures),
    ):
        index = 0
        while index < len(events):
            poll = [(e, "corr") for e in events[index : index + rng.randint(1, 3)]]
            index += len(poll)
            owner = rng.randrange(2)
            for replica in [owner, 1 - owner] if rng.random() < 0.3 else [owner]:
                units = replicas[replica]
                calls.append(lambda h=handler, p=poll, u=units: h(p, u()))  # type: ignore[misc]
    registrar = replicas[rng.randrange(2)]
    calls.append(lambda: register_batch(registered(batch.batch_id, SLOTS), "corr", registrar()))
    return batch, calls


async def check(engine: AsyncEngine, batch: RacedBatch) -> None:
    """The batch's slots, uploads and BatchEssaysReady are consistent (see the module doc)."""
    view = await EssayViews(session_factory(engine)).batch_essays(batch.batch_id, TEACHER_ID)
    ready = await ready_events(engine, batch.batch_id)
    assert view is not None and view["ready"], view
    holders = {e["essay_id"]: e["file_upload_id"] for e in view["essays"] if e["file_upload_id"]}
    placed = set(holders.values())
    failed = {f["file_upload_id"] for f in view["failed_uploads"]}
    excess = {x["file_upload_id"] for x in view["excess_uploads"]}
    assert len(placed) == len(holders), "one content in two slots"
    # Whatever came first fills the batch (a failure counts as a filled slot); the rest is
    # excess, and every upload is exactly one of the three.
    assert len(holders) + len(failed) == SLOTS, "slots overbooked"
    content_ids = {c.file_upload_id for c in batch.contents}
    failure_ids = {f.file_upload_id for f in batch.failures}
    assert content_ids == placed | (excess & content_ids) and not placed & excess
    assert failure_ids == failed | (excess & failure_ids) and not failed & excess
    assert len(ready) == 1, f"BatchEssaysReady queued {len(ready)} times"
    text_of = {
        c.file_upload_id: c.content_storage_reference.references[ContentType.ORIGINAL_ESSAY]
        for c in batch.contents
    }
    expected = sorted((essay_id, text_of[upload]) for essay_id, upload in holders.items())
    listed = sorted((r["essay_id"], r["text_storage_id"]) for r in ready[0]["ready_essays"])
    assert listed == expected, "BatchEssaysReady lists other contents than the slots hold"
    assert {f["file_upload_id"] for f in ready[0]["failed_uploads"]} == failed


async def test_two_replicas_never_double_book_a_slot_or_publish_ready_twice(
    postgres_url: str,
) -> None:
    print(f"replica race seed: {SEED} (RACE_SEED={SEED} repeats this interleaving)")
    rng = random.Random(SEED)
    engines = [create_writer_engine(postgres_url) for _ in range(2)]
    await migrate_schema(engines[0])
    replicas = [SqlUnitOfWorkFactory.for_engine(engine) for engine in engines]
    raced = [deliveries(rng, replicas) for _ in range(BATCHES)]
    calls = [call for _, batch_calls in raced for call in batch_calls]
    rng.shuffle(calls)
    try:
        await asyncio.gather(*(like_the_consumer(call) for call in calls))
        for batch, _ in raced:
            await check(engines[0], batch)
    finally:
        for engine in engines:
            await engine.dispose()
