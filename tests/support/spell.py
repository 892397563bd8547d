"""The spell checker's real neighbours for integration tests: the worker's own run_worker in this
process, requests published as ELS would, and its results read back from the broker."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from common_core.enums import ContentType, EssayStatus, Language, ProcessingEvent
from common_core.events import SpellcheckRequestedDataV1, SpellcheckResultDataV1
from common_core.kafka import KafkaEventPublisher, RetryPolicy
from common_core.metadata import EntityReference, SystemProcessingMetadata
from common_core.topics import topic_name
from services.spell_checker_service.config import SpellCheckerSettings
from services.spell_checker_service.worker_main import run_worker
from tests.support.content import CONTENT_TOKEN
from tests.support.kafka import collect_records
from tests.support.kafka import start_group_at_end as start_group_at_topic_ends

REQUESTS = topic_name(ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED)
RESULTS = topic_name(ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED)


def spellcheck_request(storage_id: str, language: Language) -> SpellcheckRequestedDataV1:
    """A request for a fresh essay in a fresh batch (unique ids: the broker is shared)."""
    batch_id = f"batch-{uuid.uuid4().hex[:12]}"
    essay = EntityReference(
        entity_id=f"essay-{uuid.uuid4().hex[:12]}", entity_type="essay", parent_id=batch_id
    )
    return SpellcheckRequestedDataV1(
        batch_id=batch_id,
        entity_ref=essay,
        text_storage_id=storage_id,
        language=language,
        metadata=SystemProcessingMetadata(entity=essay),
    )


async def publish_request(
    bootstrap: str, request: SpellcheckRequestedDataV1, correlation_id: str
) -> None:
    """Publish a request as ELS would."""
    async with KafkaEventPublisher(bootstrap, "test_els") as publisher:
        await publisher.publish(request, correlation_id)


async def request_and_wait(
    bootstrap: str,
    request: SpellcheckRequestedDataV1,
    correlation_id: str,
    timeout: float = 60.0,
) -> list[dict[str, Any]]:
    """Publish a request; return the result envelopes (as JSON) for its essay."""
    await publish_request(bootstrap, request, correlation_id)
    return await results_for(bootstrap, request.entity_ref.entity_id, timeout)


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


async def start_group_at_end(bootstrap: str, group: str) -> None:
    """Commit the group's offsets at the end of the request topic, so a worker in this fresh
    group handles only the requests its test publishes (the broker is shared by the session)."""
    await start_group_at_topic_ends(bootstrap, group, [REQUESTS])


@asynccontextmanager
async def running_worker(
    bootstrap: str, content_url: str, *, check_workers: int
) -> AsyncIterator[str]:
    """The worker's own run_worker (DI container, checker pool, consuming loop) in this
    process, in a fresh consumer group that starts at the end of the request topic; yields the
    group."""
    group = f"test-spell-{uuid.uuid4().hex[:8]}"
    await start_group_at_end(bootstrap, group)
    settings = SpellCheckerSettings(
        kafka_bootstrap_servers=bootstrap,
        content_service_url=content_url,
        content_service_token=CONTENT_TOKEN,
        consumer_group=group,
        check_workers=check_workers,
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


def result_of(envelope: dict[str, Any]) -> SpellcheckResultDataV1:
    return SpellcheckResultDataV1.model_validate(envelope["data"])


def corrected_ids(result: SpellcheckResultDataV1) -> tuple[str, str]:
    assert result.status == EssayStatus.SPELLCHECKED_SUCCESS, result.error
    assert result.storage_metadata is not None
    text_id = result.storage_metadata.storage_id(ContentType.CORRECTED_TEXT)
    log_id = result.storage_metadata.storage_id(ContentType.SPELLCHECK_LOG)
    assert text_id and log_id
    return text_id, log_id
