"""A real ELS worker (in-process task) and API app on one SQLite file, and the real broker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from quart.typing import TestClientProtocol

from common_core.enums import ProcessingEvent
from common_core.kafka import KafkaEventPublisher
from common_core.topics import topic_name
from services.essay_lifecycle_service.app import create_app
from services.essay_lifecycle_service.config import ELSSettings
from services.essay_lifecycle_service.worker_main import run_worker
from tests.support.kafka import Record, collect_records, poll
from tests.support.kafka import start_group_at_end as start_group_at_topic_ends

T = TypeVar("T")

CONSUMED = [
    topic_name(event)
    for event in (
        ProcessingEvent.BATCH_ESSAYS_REGISTERED,
        ProcessingEvent.ESSAY_CONTENT_READY,
        ProcessingEvent.ESSAY_VALIDATION_FAILED,
        ProcessingEvent.BATCH_SPELLCHECK_INITIATE_COMMAND,
        ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED,
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
    """The API (Quart test client on the real app) plus ways to feed and read the broker."""

    def __init__(
        self, client: TestClientProtocol, publisher: KafkaEventPublisher, bootstrap: str
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


@pytest.fixture
def els_settings(kafka_bootstrap: str, tmp_path: Path, group_id: str) -> ELSSettings:
    """This test's ELS: own SQLite file, own consumer group, fast outbox polling."""
    return ELSSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'els.sqlite3'}",
        consumer_group=group_id,
        outbox_poll_interval_seconds=0.2,
    )


@pytest.fixture
async def worker(els_settings: ELSSettings) -> AsyncIterator[WorkerHandle]:
    """A running worker, stopped at the end of the test."""
    await start_group_at_end(els_settings.kafka_bootstrap_servers, els_settings.consumer_group)
    handle = WorkerHandle(els_settings)
    await handle.start()
    yield handle
    await handle.stop()


@pytest.fixture
async def els(els_settings: ELSSettings, kafka_bootstrap: str) -> AsyncIterator[Els]:
    """The real API app on the worker's DB file, and a publisher standing in for BOS/File/SC."""
    app = create_app(els_settings)
    async with app.test_app() as test_app, KafkaEventPublisher(kafka_bootstrap, "test") as pub:
        yield Els(test_app.test_client(), pub, kafka_bootstrap)
