"""A real BOS app (Quart test_app: relay + consumer running), a real database and broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from common_core.kafka import KafkaEventPublisher
from services.batch_orchestrator_service.config import BOSSettings
from tests.support.bos import (
    RunningBos,
    bos_settings_for,
    started_bos,
)


@pytest.fixture
def bos_settings(kafka_bootstrap: str, database_url: str, group_id: str) -> BOSSettings:
    """Settings for this test's BOS; every test using it runs on SQLite and on PostgreSQL."""
    return bos_settings_for(kafka_bootstrap, database_url, group_id)


@pytest.fixture
async def bos(bos_settings: BOSSettings) -> AsyncIterator[RunningBos]:
    """BOS started as a server would start it (before_serving), stopped after the test."""
    async with started_bos(bos_settings) as running:
        yield running


@pytest.fixture(scope="session")
async def publisher(kafka_bootstrap: str) -> AsyncIterator[KafkaEventPublisher]:
    """Publishes events in ELS's place."""
    async with KafkaEventPublisher(kafka_bootstrap, "test_els") as producer:
        yield producer
