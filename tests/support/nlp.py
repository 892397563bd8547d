"""The NLP worker's neighbours for integration tests: its own run_worker in this process,
requests published as ELS would, and its results read back from the broker."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from common_core.enums import Language, ProcessingEvent
from common_core.events import NlpRequestedDataV1, NlpResultDataV1
from common_core.kafka import KafkaEventPublisher, RetryPolicy
from common_core.metadata import EntityReference, SystemProcessingMetadata
from common_core.topics import topic_name
from services.nlp_service.config import NlpSettings
from services.nlp_service.worker_main import run_worker
from tests.support.content import CONTENT_TOKEN
from tests.support.kafka import collect_records, start_group_at_end

REQUESTS = topic_name(ProcessingEvent.ESSAY_NLP_REQUESTED)


RESULTS = topic_name(ProcessingEvent.ESSAY_NLP_RESULT_RECEIVED)


def nlp_request(storage_id: str, language: Language, corrections: int) -> NlpRequestedDataV1:
    """A request for a fresh essay in a fresh batch (unique ids: the broker is shared)."""
    batch_id = f"batch-{uuid.uuid4().hex[:12]}"
    essay = EntityReference.essay(f"essay-{uuid.uuid4().hex[:12]}", batch_id)
    return NlpRequestedDataV1(
        batch_id=batch_id,
        entity_ref=essay,
        corrected_text_storage_id=storage_id,
        spellcheck_corrections=corrections,
        language=language,
        metadata=SystemProcessingMetadata(entity=essay),
    )


async def publish_request(bootstrap: str, request: NlpRequestedDataV1, correlation_id: str) -> None:
    """Publish a request as ELS would."""
    async with KafkaEventPublisher(bootstrap, "test_els") as publisher:
        await publisher.publish(request, correlation_id)


async def results_for(bootstrap: str, essay_id: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    """The result envelopes (as JSON) published for an essay, waiting for the first."""
    records = await collect_records(
        bootstrap,
        RESULTS,
        lambda r: r.value is not None and essay_id.encode() in r.value,
        count=1,
        timeout=timeout,
    )
    return [json.loads(r.value or b"{}") for r in records]


def result_of(envelope: dict[str, Any]) -> NlpResultDataV1:
    return NlpResultDataV1.model_validate(envelope["data"])


@asynccontextmanager
async def running_worker(bootstrap: str, content_url: str) -> AsyncIterator[str]:
    """The worker in this process, in a fresh group that starts at the request topic's end;
    yields the group id. Metrics are not served (port 8003 may be the fleet's)."""
    group = f"test-nlp-{uuid.uuid4().hex[:8]}"
    await start_group_at_end(bootstrap, group, [REQUESTS])
    settings = NlpSettings(
        kafka_bootstrap_servers=bootstrap,
        content_service_url=content_url,
        content_service_token=CONTENT_TOKEN,
        consumer_group=group,
        http_timeout_seconds=2.0,
    )
    fast_retries = RetryPolicy(initial_seconds=0.1, max_seconds=0.5, give_up_after_seconds=60)
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, stop, retry=fast_retries, serve_metrics=False))
    try:
        yield group
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
