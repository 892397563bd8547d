"""A real BOS app (Quart test_app: relay + consumer running), a real database and broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from common_core.kafka import KafkaEventPublisher
from services.batch_orchestrator_service.config import BOSSettings
from tests.support.auth import IdentityUnderTest, Teacher
from tests.support.bos import (
    BOS_TOPICS,
    RunningBos,
    bos_settings_for,
    started_bos,
)
from tests.support.kafka import start_group_at_end


@pytest.fixture
async def bos_settings(
    kafka_bootstrap: str, database_url: str, group_id: str, identity: IdentityUnderTest
) -> BOSSettings:
    """Settings for this test's BOS; every test using it runs on SQLite and on PostgreSQL.

    Its fresh group starts at the end of BOS's topics: from the beginning it would first read
    (and dead-letter, one by one, as unknown batches) every earlier test's events, which took
    longer than a test's 30 s wait once the suite had run a while on a loaded machine.
    """
    await start_group_at_end(kafka_bootstrap, group_id, BOS_TOPICS)
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
