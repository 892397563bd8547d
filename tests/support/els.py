"""A real ELS for integration tests: the worker as an in-process task, the API app's test client,
and ways to feed and read the broker in the other services' place."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from common_core.enums import ProcessingEvent
from common_core.kafka import KafkaEventPublisher
from common_core.topics import topic_name
from services.essay_lifecycle_service.config import ELSSettings
from services.essay_lifecycle_service.worker_main import run_worker
from tests.support.auth import AuthedClient
from tests.support.els_events import TEACHER_ID, content_ready, new_id, registered
from tests.support.kafka import Record, collect_records, poll
from tests.support.kafka import start_group_at_end as start_group_at_topic_ends

CONSUMED = [
    topic_name(event)
    for event in (
        ProcessingEvent.BATCH_ESSAYS_REGISTERED,
        ProcessingEvent.ESSAY_CONTENT_READY,
        ProcessingEvent.ESSAY_VALIDATION_FAILED,
        ProcessingEvent.BATCH_SPELLCHECK_INITIATE_COMMAND,
        ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED,
        ProcessingEvent.BATCH_NLP_INITIATE_COMMAND,
        ProcessingEvent.ESSAY_NLP_RESULT_RECEIVED,
        ProcessingEvent.BATCH_DELETED,
    )
]


async def start_group_at_end(bootstrap: str, group: str) -> None:
    """Commit the group's offsets at the end of ELS's input topics (see the shared helper)."""
    await start_group_at_topic_ends(bootstrap, group, CONSUMED)


class WorkerHandle:
    """Starts and stops the real worker (consumer loop, outbox relay) as an asyncio task."""

    def __init__(self, settings: ELSSettings) -> None:
        self.settings = settings
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start a fresh worker on the same DB file and consumer group."""
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(run_worker(self.settings, self._stop, serve_metrics=False))

    async def stop(self) -> None:
        """Ask it to stop and wait until it has (re-raising what it crashed with)."""
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, 30)
        self._stop = self._task = None


class Els:
    """The API (Quart test client on the real app, calling as the owner of the tests' batches)
    plus ways to feed and read the broker."""

    def __init__(
        self, client: AuthedClient, publisher: KafkaEventPublisher, bootstrap: str
    ) -> None:
        self.client = client
        self.publisher = publisher
        self.bootstrap = bootstrap

    async def get(self, path: str) -> tuple[int, Any]:
        """GET an API path; (status, JSON body)."""
        response = await self.client.get(path)
        return response.status_code, await response.get_json()

    async def batch(self, batch_id: str) -> dict[str, Any] | None:
        """The batch view, or None while it is 404."""
        status, body = await self.get(f"/v1/batches/{batch_id}/essays")
        return body if status == 200 else None

    async def wait_batch(
        self, batch_id: str, done: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        """Poll the batch view until `done` holds; asserts it does."""
        view = await poll(
            lambda: self.batch(batch_id), lambda b: b is not None and done(b), timeout
        )
        assert view is not None and done(view), view
        return view

    async def records(
        self, event: ProcessingEvent, key: str | set[str], count: int, timeout: float = 30
    ) -> list[dict[str, Any]]:
        """Envelopes (as JSON) on the event's topic keyed by `key` (or any of a set); <= count."""
        return await self.records_on(topic_name(event), key, count, timeout)

    async def records_on(
        self, topic: str, key: str | set[str], count: int, timeout: float = 30
    ) -> list[dict[str, Any]]:
        """Like `records`, for any topic (dead-letter topics included)."""
        keys = {key.encode()} if isinstance(key, str) else {k.encode() for k in key}

        def matches(record: Record) -> bool:
            return bool(record.key in keys)

        found = await collect_records(self.bootstrap, topic, matches, count, timeout)
        return [json.loads(r.value) for r in found]


async def ready_batch(
    els: Els, count: int, teacher_id: str = TEACHER_ID
) -> tuple[str, list[dict[str, Any]]]:
    """Register a batch (`teacher_id`'s), fill it, and return its id and BatchEssaysReady's
    ready_essays."""
    batch_id = new_id("ready")
    await els.publisher.publish(registered(batch_id, count, teacher_id), correlation_id="corr-reg")
    if teacher_id == TEACHER_ID:  # else `els` may not read it; contents may come first anyway
        await els.wait_batch(batch_id, lambda b: len(b["essays"]) == count)
    for _ in range(count):
        await els.publisher.publish(content_ready(batch_id), correlation_id="corr-upload")
    (ready,) = await els.records(ProcessingEvent.BATCH_ESSAYS_READY, batch_id, count=1)
    essays: list[dict[str, Any]] = ready["data"]["ready_essays"]
    return batch_id, essays
