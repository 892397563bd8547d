"""Request event -> real Content Service -> metrics JSON stored -> result event (real broker)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from common_core.enums import ContentType, EssayStatus, Language
from common_core.nlp import NlpMetrics
from common_core.topics import dlt_topic_name
from tests.support.content import fetch_blob, store_text
from tests.support.kafka import collect_records
from tests.support.nlp import (
    REQUESTS,
    nlp_request,
    publish_request,
    result_of,
    results_for,
    running_worker,
)

pytestmark = pytest.mark.kafka

# 12 words, 2 sentences, 1 paragraph; long (7+ letters): beautiful, mountains -> LIX = 6 + 16.67
ENGLISH = "The view from the top was beautiful. We could see the mountains.\n"
SWEDISH = "Vi badade i sjön. Vattnet var kallt men skönt.\n"


@pytest.fixture(scope="module")
async def worker(kafka_bootstrap: str, content_url: str) -> AsyncIterator[str]:
    """One worker shared by this module's tests; yields its consumer group."""
    async with running_worker(kafka_bootstrap, content_url) as group:
        yield group


async def test_english_request_stores_metrics_json_and_publishes_the_result(
    kafka_bootstrap: str, content_url: str, worker: str
) -> None:
    text_id = await store_text(content_url, ENGLISH)
    request = nlp_request(text_id, Language.ENGLISH, corrections=3)
    correlation_id = f"corr-{uuid.uuid4().hex}"

    await publish_request(kafka_bootstrap, request, correlation_id)
    [envelope] = await results_for(kafka_bootstrap, request.entity_ref.entity_id)

    assert envelope["correlation_id"] == correlation_id
    assert envelope["source_service"] == "nlp_service"
    result = result_of(envelope)
    assert result.status == EssayStatus.NLP_SUCCESS, result.error
    assert result.entity_ref == request.entity_ref and result.batch_id == request.batch_id
    assert result.corrected_text_storage_id == text_id
    assert result.storage_metadata is not None
    metrics_id = result.storage_metadata.storage_id(ContentType.NLP_METRICS)
    assert metrics_id is not None
    status, body, content_type = await fetch_blob(content_url, metrics_id)
    assert status == 200 and content_type.startswith("application/json")
    stored = NlpMetrics.model_validate(json.loads(body))
    assert stored == result.metrics
    assert (stored.word_count, stored.sentence_count, stored.paragraph_count) == (12, 2, 1)
    assert stored.lix == pytest.approx(12 / 2 + 100 * 2 / 12)
    assert stored.spelling_error_rate == pytest.approx(25.0)  # 3 corrections per 12 words
    assert stored.flesch_reading_ease is not None


async def test_swedish_request_is_analysed_in_swedish(
    kafka_bootstrap: str, content_url: str, worker: str
) -> None:
    request = nlp_request(await store_text(content_url, SWEDISH), Language.SWEDISH, 0)

    await publish_request(kafka_bootstrap, request, "corr-sv")
    [envelope] = await results_for(kafka_bootstrap, request.entity_ref.entity_id)

    result = result_of(envelope)
    assert result.status == EssayStatus.NLP_SUCCESS and result.language == Language.SWEDISH
    assert result.metrics is not None
    assert (result.metrics.word_count, result.metrics.sentence_count) == (9, 2)
    assert result.metrics.flesch_reading_ease is None


async def test_unknown_text_is_a_failed_result(kafka_bootstrap: str, worker: str) -> None:
    request = nlp_request(uuid.uuid4().hex, Language.ENGLISH, 0)

    await publish_request(kafka_bootstrap, request, "corr-missing")
    [envelope] = await results_for(kafka_bootstrap, request.entity_ref.entity_id)

    result = result_of(envelope)
    assert result.status == EssayStatus.NLP_FAILED
    assert result.error is not None and "not found" in result.error
    assert result.metrics is None and result.storage_metadata is None


async def test_undecodable_request_is_dead_lettered(kafka_bootstrap: str, worker: str) -> None:
    marker = f"garbage-{uuid.uuid4().hex}".encode()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(REQUESTS, value=b"{not json " + marker, key=b"essay-x")
    finally:
        await producer.stop()

    [record] = await collect_records(
        kafka_bootstrap,
        dlt_topic_name(REQUESTS),
        lambda r: r.value is not None and marker in r.value,
        count=1,
        timeout=60,
    )
    headers = dict(record.headers)
    assert headers["dlt.reason"] == b"invalid_message"
    assert headers["dlt.consumer_group"] == worker.encode()
