"""The NLP phase through the real broker and database: BOS's command, one request per corrected
essay, results recorded once (DLT for what cannot decode), and the essay view's `nlp`."""

from __future__ import annotations

import pytest

from common_core.enums import EssayStatus, ProcessingEvent
from common_core.topics import dlt_topic_name, topic_name
from tests.support.els import Els, WorkerHandle, ready_batch
from tests.support.els_events import (
    nlp_command,
    nlp_result,
    spellcheck_command,
    spellcheck_result,
)
from tests.support.kafka import collect_records

pytestmark = pytest.mark.kafka

NLP_REQUESTED = ProcessingEvent.ESSAY_NLP_REQUESTED
UPDATED = ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED
NLP_RESULTS = topic_name(ProcessingEvent.ESSAY_NLP_RESULT_RECEIVED)


async def test_nlp_command_requests_corrected_essays_and_results_reach_the_view(
    worker: WorkerHandle, els: Els
) -> None:
    batch_id, essays = await ready_batch(els, 2)
    ids = [e["essay_id"] for e in essays]
    refs = [(e["essay_id"], e["text_storage_id"]) for e in essays]
    await els.publisher.publish(spellcheck_command(batch_id, refs), correlation_id="c-spell")
    await els.publisher.publish(spellcheck_result(batch_id, ids[0], corrections=4), "c-spell")
    await els.publisher.publish(
        spellcheck_result(batch_id, ids[1], EssayStatus.SPELLCHECK_FAILED), "c-spell"
    )
    await els.records(UPDATED, batch_id, count=4)

    await els.publisher.publish(nlp_command(batch_id, ids), correlation_id="c-nlp")

    (request,) = await els.records(NLP_REQUESTED, set(ids), count=1)
    assert request["correlation_id"] == "c-nlp"
    assert request["data"]["entity_ref"]["entity_id"] == ids[0]
    assert request["data"]["corrected_text_storage_id"] == "c" * 32
    assert request["data"]["spellcheck_corrections"] == 4
    nlp_updates = [
        u
        for u in await els.records(UPDATED, batch_id, count=6)
        if u["data"]["phase"] == "nlp_metrics"
    ]
    assert sorted(
        (u["data"]["entity_ref"]["entity_id"], u["data"]["status"]) for u in nlp_updates
    ) == sorted([(ids[0], "awaiting_nlp"), (ids[1], "nlp_failed")])

    # A payload that cannot decode is dead-lettered; the results around it still land.
    await els.publisher.send_raw(NLP_RESULTS, b"{not json", key=batch_id)
    result = nlp_result(batch_id, ids[0], words=150)
    for _ in range(2):  # the second is a redelivery
        await els.publisher.publish(result, correlation_id="c-result")

    updates = await els.records(UPDATED, batch_id, count=7)
    (done,) = [u for u in updates if u["data"]["status"] == "nlp_success"]
    assert done["data"]["metrics"]["word_count"] == 150
    assert done["correlation_id"] == "c-result"
    (dead,) = await collect_records(
        els.bootstrap, dlt_topic_name(NLP_RESULTS), lambda r: r.key == batch_id.encode(), 1
    )
    assert dead.value == b"{not json"
    assert len(await els.records(UPDATED, batch_id, count=8, timeout=2)) == 7

    status, essay = await els.get(f"/v1/essays/{ids[0]}")
    assert status == 200
    assert essay["status"] == "nlp_success"
    assert essay["storage_references"]["nlp_metrics"] == "e" * 32
    assert essay["nlp"]["word_count"] == 150 and essay["nlp"]["mtld"] is None
    assert [t["status"] for t in essay["timeline"]][-2:] == ["awaiting_nlp", "nlp_success"]
    status, skipped = await els.get(f"/v1/essays/{ids[1]}")
    assert skipped["status"] == "nlp_failed" and "nlp" not in skipped
    assert "spellcheck_failed" in skipped["nlp_error"]
