"""A real BOS app (Quart test_app: relay + consumer running), a real database and broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from common_core.kafka import KafkaEventPublisher
from services.batch_orchestrator_service.config import BOSSettings
from tests.support.auth import IdentityUnderTest, Teacher
from tests.support.bos import (
    RunningBos,
    bos_settings_for,
    started_bos,
)


@pytest.fixture
def bos_settings(
    kafka_bootstrap: str, database_url: str, group_id: str, identity: IdentityUnderTest
) -> BOSSettings:
    """Settings for this test's BOS; every test using it runs on SQLite and on PostgreSQL."""
    return bos_settings_for(kafka_bootstrap, database_url, group_id, identity.jwks_url)


@pytest.fixture
async def teacher(identity: IdentityUnderTest) -> Teacher:
    """The teacher this test's BOS client calls as."""
    return await identity.teacher("anna")


@pytest.fixture
async def bos(bos_settings: BOSSettings, teacher: Teacher) -> AsyncIterator[RunningBos]:
    """BOS started as a server would start it (before_serving), stopped after the test."""
    async with started_bos(bos_settings, teacher) as running:
        yield running


@pytest.fixture(scope="session")
async def publisher(kafka_bootstrap: str) -> AsyncIterator[KafkaEventPublisher]:
    """Publishes events in ELS's place."""
    async with KafkaEventPublisher(kafka_bootstrap, "test_els") as producer:
        yield producer
