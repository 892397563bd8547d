"""BOS's consumer on the real broker: events in (as ELS would send them), events out via outbox."""

from __future__ import annotations

import pytest

from common_core.enums import EssayStatus, ProcessingEvent
from common_core.kafka import BackgroundConsumer, KafkaEventPublisher
from common_core.topics import dlt_topic_name, topic_name
from services.batch_orchestrator_service.config import BOSSettings
from tests.support.auth import Teacher
from tests.support.bos import (
    RunningBos,
    new_id,
    registration,
    started_bos,
    wait_caught_up,
)
from tests.support.bos_events import on_topic, ready
from tests.support.bos_events import state_update as update
from tests.support.kafka import collect_records

pytestmark = pytest.mark.kafka

READY = topic_name(ProcessingEvent.BATCH_ESSAYS_READY)
STATE = topic_name(ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED)
COMMAND = topic_name(ProcessingEvent.BATCH_SPELLCHECK_INITIATE_COMMAND)
PROGRESS = topic_name(ProcessingEvent.BATCH_PIPELINE_PROGRESS_UPDATED)
COMPLETED = topic_name(ProcessingEvent.BATCH_LIFECYCLE_COMPLETED)


async def caught_up(bos: RunningBos) -> None:
    settings = bos.settings
    assert await wait_caught_up(
        settings.kafka_bootstrap_servers, settings.consumer_group, [READY, STATE]
    )


async def test_ready_commands_spellcheck_in_the_course_language(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    answer = await bos.register(registration("SV2", 2))
    batch_id, essay_ids = answer["batch_id"], answer["essay_ids"]

    await publisher.publish(ready(batch_id, essay_ids), "cid-ready")

    [command] = await on_topic(bos, COMMAND, batch_id, 1)
    assert command["correlation_id"] == "cid-ready"
    assert command["data"]["language"] == "sv"
    assert command["data"]["essays_to_process"] == [
        {"essay_id": e, "text_storage_id": f"text-{e}"} for e in essay_ids
    ]
    batch = await bos.wait_for_status(batch_id, "processing")
    spellcheck = batch["pipeline_state"]["spellcheck"]
    assert batch["status"] == "processing" and batch["language"] == "sv"
    assert spellcheck["status"] == "in_progress" and spellcheck["started_at"]
    progress = await on_topic(bos, PROGRESS, batch_id, 2)
    assert [p["data"]["batch_status"] for p in progress] == ["ready_for_processing", "processing"]
    assert {p["correlation_id"] for p in progress} == {"cid-ready"}


async def test_duplicate_ready_changes_nothing(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    answer = await bos.register(registration("ENG6", 2))
    batch_id, essay_ids = answer["batch_id"], answer["essay_ids"]
    await publisher.publish(ready(batch_id, essay_ids), "c1")
    await bos.wait_for_status(batch_id, "processing")
    before = await bos.batch(batch_id)

    await publisher.publish(ready(batch_id, essay_ids[:1], ["x.txt"]), "c2")
    await caught_up(bos)

    assert await bos.batch(batch_id) == before
    assert len(await bos.outbox(batch_id, COMMAND)) == 1
    assert len(await bos.outbox(batch_id, PROGRESS)) == 2


async def test_results_with_duplicates_finish_the_batch_exactly_once(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    answer = await bos.register(registration("ENG5", 3))
    batch_id, (a, b, c) = answer["batch_id"], answer["essay_ids"]
    await publisher.publish(ready(batch_id, [a, b, c]), "cid")
    # Results ride another topic; wait so the snapshots below come in a known order.
    await bos.wait_for_status(batch_id, "processing")
    ok, failed = EssayStatus.SPELLCHECKED_SUCCESS, EssayStatus.SPELLCHECK_FAILED
    for essay_id, status in [
        (a, EssayStatus.AWAITING_SPELLCHECK),  # progress, not a result: ignored
        (a, ok),
        (a, ok),
        (b, failed),
        (b, failed),
        (c, ok),
        (c, ok),  # after the batch finished
        (a, failed),  # after the batch finished: nothing changes any more
    ]:
        await publisher.publish(update(batch_id, essay_id, status), "cid")

    batch = await bos.wait_for_status(batch_id, "partially_completed")
    await caught_up(bos)

    batch = await bos.batch(batch_id)
    spellcheck = batch["pipeline_state"]["spellcheck"]
    assert batch["status"] == "partially_completed"
    assert spellcheck["status"] == "completed_with_failures" and spellcheck["completed_at"]
    assert spellcheck["essay_counts"] == {
        "total": 3, "successful": 2, "failed": 1, "pending": 0, "skipped": 0,
    }  # fmt: skip
    assert len(await bos.outbox(batch_id, COMPLETED)) == 1
    [completed] = await on_topic(bos, COMPLETED, batch_id, 1)
    assert completed["data"]["status"] == "partially_completed"
    assert completed["data"]["essay_counts"] == spellcheck["essay_counts"]
    # ready_for_processing, processing, then one snapshot per committed change of counts: one
    # per result when each came in its own poll, fewer when a poll brought several at once.
    snapshots = len(await bos.outbox(batch_id, PROGRESS))
    progress = await on_topic(bos, PROGRESS, batch_id, snapshots)
    pending = [
        p["data"]["pipeline_state"]["spellcheck"]["essay_counts"]["pending"] for p in progress
    ]
    assert pending[:2] == [3, 3] and pending[-1] == 0 and 3 <= len(pending) <= 5
    assert pending[2:] == sorted(set(pending[2:]), reverse=True)  # every snapshot is a change
    assert progress[-1]["data"]["batch_status"] == "partially_completed"


async def test_a_burst_of_updates_on_one_key_is_applied_per_poll_and_completes_once(
    bos_settings: BOSSettings, publisher: KafkaEventPublisher, teacher: Teacher
) -> None:
    count = 12
    async with started_bos(bos_settings, teacher) as first:
        answer = await first.register(registration("ENG7", count))
        batch_id, essay_ids = answer["batch_id"], answer["essay_ids"]
        await publisher.publish(ready(batch_id, essay_ids), "cid")
        await first.wait_for_status(batch_id, "processing")
        await caught_up(first)  # so the burst below is all the next consumer finds
    # As ELS sends them: each essay's progress then its result, plus one redelivered result.
    burst = [
        (update(batch_id, essay_id, status), "cid")
        for essay_id in essay_ids
        for status in (EssayStatus.AWAITING_SPELLCHECK, EssayStatus.SPELLCHECKED_SUCCESS)
    ]
    burst.append((update(batch_id, essay_ids[0], EssayStatus.SPELLCHECKED_SUCCESS), "cid"))
    await publisher.publish_many(burst)  # keyed by batch_id: one partition, in this order

    async with started_bos(bos_settings, teacher) as second:
        batch = await second.wait_for_status(batch_id, "completed")
        await caught_up(second)
        progress = await second.outbox(batch_id, PROGRESS)
        completed = await second.outbox(batch_id, COMPLETED)

    assert batch["status"] == "completed"
    assert batch["pipeline_state"]["spellcheck"]["essay_counts"] == {
        "total": count, "successful": count, "failed": 0, "pending": 0, "skipped": 0,
    }  # fmt: skip
    assert len(completed) == 1 and completed[0]["data"]["status"] == "completed"
    statuses = [p["data"]["batch_status"] for p in progress]
    assert statuses[:2] == ["ready_for_processing", "processing"] and statuses[-1] == "completed"
    # One by one, each of the `count` results would commit its own snapshot; one transaction
    # per poll commits one snapshot per poll (the broker normally hands over all at once).
    assert 1 <= len(progress) - 2 < count


async def test_results_that_overtake_ready_are_counted_when_it_arrives(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    answer = await bos.register(registration("ENG6", 2))
    batch_id, essay_ids = answer["batch_id"], answer["essay_ids"]
    for essay_id in essay_ids:
        await publisher.publish(update(batch_id, essay_id, EssayStatus.SPELLCHECKED_SUCCESS), "c")
    await caught_up(bos)
    assert (await bos.batch(batch_id))["status"] == "awaiting_content"

    await publisher.publish(ready(batch_id, essay_ids), "cid")

    batch = await bos.wait_for_status(batch_id, "completed")
    assert batch["pipeline_state"]["spellcheck"]["essay_counts"] == {
        "total": 2, "successful": 2, "failed": 0, "pending": 0, "skipped": 0,
    }  # fmt: skip
    [completed] = await on_topic(bos, COMPLETED, batch_id, 1)
    assert completed["data"]["status"] == "completed"


async def test_failed_uploads_end_partially_completed(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    answer = await bos.register(registration("SV1", 3))
    batch_id, essay_ids = answer["batch_id"], answer["essay_ids"]
    await publisher.publish(ready(batch_id, essay_ids[:2], ["empty.txt"]), "cid")
    for essay_id in essay_ids[:2]:
        await publisher.publish(update(batch_id, essay_id, EssayStatus.SPELLCHECKED_SUCCESS), "c")

    batch = await bos.wait_for_status(batch_id, "partially_completed")

    assert batch["status"] == "partially_completed"
    assert batch["pipeline_state"]["spellcheck"]["status"] == "completed"
    assert batch["pipeline_state"]["spellcheck"]["essay_counts"]["total"] == 2
    [completed] = await on_topic(bos, COMPLETED, batch_id, 1)
    assert completed["data"]["failed_uploads"] == 1


async def test_every_upload_failed_ends_failed_without_a_command(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    batch_id = (await bos.register(registration("ENG7", 2)))["batch_id"]

    await publisher.publish(ready(batch_id, [], ["a.png", "b.png"]), "cid-fail")

    batch = await bos.wait_for_status(batch_id, "failed")
    assert batch["status"] == "failed"
    assert batch["pipeline_state"]["spellcheck"]["status"] == "failed"
    [completed] = await on_topic(bos, COMPLETED, batch_id, 1)
    assert (completed["data"]["status"], completed["data"]["failed_uploads"]) == ("failed", 2)
    assert completed["correlation_id"] == "cid-fail"
    assert await bos.outbox(batch_id, COMMAND) == []


async def test_unknown_batch_is_dead_lettered_and_the_consumer_goes_on(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    ghost = new_id("ghost")
    await publisher.publish(ready(ghost, ["e1"]), "cid-ghost")
    await publisher.publish(update(ghost, "e1", EssayStatus.SPELLCHECKED_SUCCESS), "cid-ghost")
    answer = await bos.register(registration("ENG5", 1))
    await publisher.publish(ready(answer["batch_id"], answer["essay_ids"]), "cid")

    assert (await bos.wait_for_status(answer["batch_id"], "processing"))["status"] == "processing"
    bootstrap = bos.settings.kafka_bootstrap_servers
    for topic in (READY, STATE):
        [dead] = await collect_records(
            bootstrap, dlt_topic_name(topic), lambda r: r.key == ghost.encode(), 1
        )
        headers = {k: v.decode() for k, v in dead.headers}
        assert headers["dlt.reason"] == "permanent_error"
        assert "unknown batch_id" in headers["dlt.error"] and ghost in headers["dlt.error"]
        assert headers["dlt.consumer_group"] == bos.settings.consumer_group
    assert (await bos.client.get("/healthz")).status_code == 200


async def test_restart_keeps_the_batch_and_carries_on(
    bos_settings: BOSSettings, publisher: KafkaEventPublisher, teacher: Teacher
) -> None:
    async with started_bos(bos_settings, teacher) as first:
        answer = await first.register(registration("SV3", 2))
        before = await first.batch(answer["batch_id"])
    batch_id, essay_ids = answer["batch_id"], answer["essay_ids"]

    async with started_bos(bos_settings, teacher) as second:
        assert await second.batch(batch_id) == before
        await publisher.publish(ready(batch_id, essay_ids), "cid")
        for essay_id in essay_ids:
            await publisher.publish(
                update(batch_id, essay_id, EssayStatus.SPELLCHECKED_SUCCESS), "c"
            )
        batch = await second.wait_for_status(batch_id, "completed")

    assert batch["status"] == "completed"
    assert batch["pipeline_state"]["spellcheck"]["essay_counts"]["successful"] == 2
    async with started_bos(bos_settings, teacher) as third:
        assert await third.batch(batch_id) == batch


async def test_healthz_is_503_when_the_consumer_is_gone(bos: RunningBos) -> None:
    container = bos.app.extensions["QUART_DISHKA"].container
    consumer: BackgroundConsumer = await container.get(BackgroundConsumer)
    await consumer.stop()

    response = await bos.client.get("/healthz")
    body = await response.get_json()
    assert response.status_code == 503
    assert body["error"]["details"] == {"database": True, "kafka": True, "consumer": False}
