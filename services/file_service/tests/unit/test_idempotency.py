"""Idempotency-Key on uploads (DESIGN "Retries and deletion"): the first answer again, whatever
the batch's state now, nothing stored or published twice; a dead attempt's work is finished."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from common_core.events import EssayContentReady, EssayValidationFailed
from services.file_service.api.files import api_error
from services.file_service.domain import (
    BatchNotAwaitingContent,
    BatchNotFound,
    EventBusUnavailable,
    RequestKey,
    UploadedFile,
    UploadInProgress,
)
from services.file_service.handlers import IdempotencyPolicy
from services.file_service.tests.unit.conftest import World
from services.file_service.tests.unit.fakes import BATCH

FILES = [UploadedFile("a.txt", b"Essay A"), UploadedFile("blank.txt", b" ")]


async def test_same_key_replays_the_first_answer_after_the_batch_moved_on(world: World) -> None:
    first = await world.upload(FILES, "corr-1", key="k-1")
    world.batches.statuses[BATCH] = "completed"  # the upload filled the batch

    again = await world.upload(FILES, "corr-2", key="k-1")

    assert again == first
    assert world.storage.calls == 1
    assert len(world.publisher.published) == 2


async def test_without_a_key_a_finished_batch_still_answers_409(world: World) -> None:
    await world.upload(FILES, key="k-1")
    world.batches.statuses[BATCH] = "completed"
    with pytest.raises(BatchNotAwaitingContent):
        await world.upload(FILES)


async def test_a_key_belongs_to_one_teacher(world: World) -> None:
    first = await world.upload(FILES, "corr-1", key="shared-key", teacher="t-1")

    other = await world.upload(FILES, "corr-2", key="shared-key", teacher="t-2")

    assert other["correlation_id"] != first["correlation_id"]
    assert [a["duplicate"] for a in other["accepted"]] == [True]  # answered, not replayed
    assert len(world.publisher.published) == 2


async def test_a_retry_finishes_a_failed_attempt_whatever_the_batch_state(world: World) -> None:
    """Kafka took the events but the ack was lost; ELS completed the batch meanwhile."""
    world.publisher.error = ConnectionError("ack lost")
    with pytest.raises(EventBusUnavailable):
        await world.upload(FILES, key="k-1")
    world.publisher.error = None
    world.batches.statuses[BATCH] = "completed"

    body = await world.upload(FILES, key="k-1")

    assert [a["duplicate"] for a in body["accepted"]] == [False]
    events = [event for event, _ in world.publisher.published]
    assert [type(e) for e in events] == [EssayContentReady, EssayValidationFailed]
    assert events[0].file_upload_id == body["accepted"][0]["file_upload_id"]  # type: ignore[attr-defined]
    assert await world.upload(FILES, key="k-1") == body


async def test_a_key_held_by_a_dead_process_is_taken_over_when_its_lease_ends(
    world: World,
) -> None:
    key = RequestKey("t-1", BATCH, "k-1")
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    await world.records.requests.claim(
        key, "dead-process", long_ago, timedelta(seconds=10), timedelta(hours=24)
    )

    body = await world.upload(FILES, key="k-1")

    assert len(body["accepted"]) == 1
    assert len(world.publisher.published) == 2


async def test_a_key_in_use_past_the_wait_is_409_and_does_nothing(world: World) -> None:
    key = RequestKey("t-1", BATCH, "k-1")
    await world.records.requests.claim(
        key, "live-process", datetime.now(UTC), timedelta(minutes=5), timedelta(hours=24)
    )
    world.idempotency = IdempotencyPolicy(wait_seconds=0.3, poll_seconds=0.05)

    with pytest.raises(UploadInProgress) as caught:
        await world.upload(FILES, key="k-1")

    assert api_error(caught.value).status == 409
    assert world.publisher.published == []


async def test_two_requests_with_one_key_at_once_publish_once_and_answer_alike(
    world: World,
) -> None:
    world.idempotency = IdempotencyPolicy(poll_seconds=0.02)

    first, second = await asyncio.gather(
        world.upload(FILES, key="k-1"), world.upload(FILES, key="k-1")
    )

    assert first == second
    assert len(world.publisher.published) == 2
    assert world.storage.calls == 1


async def test_an_expired_key_starts_over(world: World) -> None:
    key = RequestKey("t-1", BATCH, "k-1")
    old = datetime.now(UTC) - timedelta(hours=25)
    await world.records.requests.claim(key, "old", old, timedelta(seconds=10), timedelta(hours=24))
    await world.records.requests.complete(key, "old", {"stale": True})

    body = await world.upload(FILES, key="k-1")

    assert "stale" not in body
    assert await world.records.requests.purge_expired(datetime.now(UTC)) == 0


async def test_a_deleted_batch_is_forgotten_and_nothing_is_recorded_for_it_again(
    world: World,
) -> None:
    await world.upload(FILES, key="k-1")  # two files on record, one key
    await world.upload([UploadedFile("b.txt", b"Essay B")])
    deletions = world.records.deletions

    assert await deletions.forget(BATCH, datetime.now(UTC)) == (3, 1)
    assert await deletions.forget(BATCH, datetime.now(UTC)) == (0, 0)  # a redelivery
    with pytest.raises(BatchNotFound):  # an upload still under way when the event came
        await world.upload([UploadedFile("c.txt", b"Essay C")])
    assert await deletions.forget(BATCH, datetime.now(UTC)) == (0, 0)  # it recorded nothing
