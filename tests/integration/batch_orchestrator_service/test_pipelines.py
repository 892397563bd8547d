"""BOS running two phases on the real broker and database: spellcheck, then nlp_metrics on the
essays that passed it, the class summary, and more pipelines asked of a finished batch."""

from __future__ import annotations

import pytest

from common_core.enums import EssayStatus, ProcessingEvent
from common_core.events import EssayLifecycleStateUpdated
from common_core.kafka import KafkaEventPublisher
from common_core.topics import topic_name
from tests.support.bos import RunningBos, registration
from tests.support.bos_events import on_topic, ready, state_update

pytestmark = pytest.mark.kafka

NLP_COMMAND = topic_name(ProcessingEvent.BATCH_NLP_INITIATE_COMMAND)
COMPLETED = topic_name(ProcessingEvent.BATCH_LIFECYCLE_COMPLETED)
OK, FAILED = EssayStatus.SPELLCHECKED_SUCCESS, EssayStatus.SPELLCHECK_FAILED


def result(
    batch_id: str, essay_id: str, status: EssayStatus, words: int = 0
) -> EssayLifecycleStateUpdated:
    """A result as ELS reports it; an NLP success carries the essay's metrics."""
    if status is not EssayStatus.NLP_SUCCESS:
        return state_update(batch_id, essay_id, status)
    return state_update(batch_id, essay_id, status, {"word_count": words, "lix": words / 4})


async def test_nlp_runs_after_spellcheck_on_the_essays_that_passed_and_summarises_them(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    answer = await bos.register(registration("ENG5", 3, requested_pipelines=["nlp_metrics"]))
    batch_id, (a, b, c) = answer["batch_id"], answer["essay_ids"]
    await publisher.publish(ready(batch_id, [a, b, c]), "cid")
    for essay_id, status in [(a, OK), (b, FAILED), (c, OK)]:
        await publisher.publish(result(batch_id, essay_id, status), "cid-spell")

    [command] = await on_topic(bos, NLP_COMMAND, batch_id, 1)
    assert command["data"]["essay_ids"] == [a, c]
    assert command["data"]["language"] == "en"
    running = await bos.batch(batch_id)
    assert running["status"] == "processing" and running["class_summary"] is None
    nlp = running["pipeline_state"]["nlp_metrics"]
    assert nlp["status"] == "in_progress"
    assert nlp["essay_counts"] == {
        "total": 3, "successful": 0, "failed": 0, "pending": 2, "skipped": 1,
    }  # fmt: skip

    for essay_id, words in [(a, 100), (c, 300)]:
        await publisher.publish(result(batch_id, essay_id, EssayStatus.NLP_SUCCESS, words), "c")

    batch = await bos.wait_for_status(batch_id, "partially_completed")
    state = batch["pipeline_state"]
    assert state["spellcheck"]["status"] == "completed_with_failures"
    assert state["nlp_metrics"]["status"] == "completed"
    assert state["nlp_metrics"]["essay_counts"]["successful"] == 2
    assert batch["class_summary"] == {
        "word_count": {"mean": 200.0, "median": 200.0, "min": 100.0, "max": 300.0},
        "lix": {"mean": 50.0, "median": 50.0, "min": 25.0, "max": 75.0},
    }
    [completed] = await on_topic(bos, COMPLETED, batch_id, 1)
    assert completed["data"]["essay_counts"] == {
        "total": 3, "successful": 2, "failed": 1, "pending": 0, "skipped": 0,
    }  # fmt: skip


async def test_spellcheck_failing_every_essay_skips_nlp_without_waiting(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    answer = await bos.register(registration("SV1", 2, requested_pipelines=["nlp_metrics"]))
    batch_id, essay_ids = answer["batch_id"], answer["essay_ids"]
    await publisher.publish(ready(batch_id, essay_ids), "cid")
    for essay_id in essay_ids:
        await publisher.publish(result(batch_id, essay_id, FAILED), "cid")

    batch = await bos.wait_for_status(batch_id, "failed")

    assert batch["pipeline_state"]["nlp_metrics"]["status"] == "skipped"
    assert batch["pipeline_state"]["nlp_metrics"]["essay_counts"]["skipped"] == 2
    assert await bos.outbox(batch_id, NLP_COMMAND) == []
    assert len(await bos.outbox(batch_id, COMPLETED)) == 1


async def test_more_pipelines_on_a_finished_batch_run_and_cannot_run_twice(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    answer = await bos.register(registration("ENG7", 2))
    batch_id, (a, b) = answer["batch_id"], answer["essay_ids"]
    await publisher.publish(ready(batch_id, [a, b]), "cid")
    for essay_id in (a, b):
        await publisher.publish(result(batch_id, essay_id, OK), "cid")
    await bos.wait_for_status(batch_id, "completed")
    url = f"/v1/batches/{batch_id}/pipelines"

    response = await bos.client.post(
        url, json={"pipelines": ["nlp_metrics"]}, headers={"X-Correlation-ID": "cid-more"}
    )

    assert response.status_code == 202, await response.get_data(as_text=True)
    body = await response.get_json()
    assert body["requested_pipelines"] == ["spellcheck", "nlp_metrics"]
    assert body["correlation_id"] == "cid-more"
    [command] = await on_topic(bos, NLP_COMMAND, batch_id, 1)
    assert command["correlation_id"] == "cid-more" and command["data"]["essay_ids"] == [a, b]
    again = await bos.client.post(url, json={"pipelines": ["nlp_metrics"]})
    assert again.status_code == 409
    assert (await again.get_json())["error"]["code"] == "batch_not_finished"
    for essay_id in (a, b):
        await publisher.publish(result(batch_id, essay_id, EssayStatus.NLP_SUCCESS, 50), "c")
    batch = await bos.wait_for_status(batch_id, "completed")
    assert batch["pipeline_state"]["nlp_metrics"]["status"] == "completed"
    assert batch["class_summary"]["word_count"]["mean"] == 50.0
    done = await bos.client.post(url, json={"pipelines": ["nlp_metrics"]})
    assert done.status_code == 409
    assert (await done.get_json())["error"]["code"] == "pipeline_already_run"
    assert len(await bos.outbox(batch_id, COMPLETED)) == 2  # once per run to the end
