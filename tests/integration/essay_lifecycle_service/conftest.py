"""A real ELS worker (in-process task) and API app on one real database, and the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from common_core.kafka import KafkaEventPublisher
from services.essay_lifecycle_service.app import create_app
from services.essay_lifecycle_service.config import ELSSettings
from tests.support.auth import AuthedClient, LocalIssuer
from tests.support.els import (
    Els,
    WorkerHandle,
    start_group_at_end,
)
from tests.support.els_events import TEACHER_ID


@pytest.fixture
def els_settings(kafka_bootstrap: str, database_url: str, group_id: str) -> ELSSettings:
    """This test's ELS: own database (each test runs on SQLite and on PostgreSQL), own consumer
    group, fast outbox polling."""
    return ELSSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
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


@pytest.fixture(scope="session")
def issuer() -> LocalIssuer:
    """Signs the tests' tokens; the API under test trusts exactly its key."""
    return LocalIssuer()


@pytest.fixture
async def els(
    els_settings: ELSSettings, kafka_bootstrap: str, issuer: LocalIssuer
) -> AsyncIterator[Els]:
    """The real API app on the worker's DB file (calling as the teacher of the tests' batches),
    and a publisher standing in for BOS/File/SC."""
    app = create_app(els_settings, issuer.verifier())
    async with app.test_app() as test_app, KafkaEventPublisher(kafka_bootstrap, "test") as pub:
        client = AuthedClient(test_app.test_client(), issuer.headers(TEACHER_ID))
        yield Els(client, pub, kafka_bootstrap)
