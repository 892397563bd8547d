"""Fixtures shared by the whole suite: one real Kafka broker, one real PostgreSQL server and one
real identity service per test session (each started only when a test asks for it), and a
fresh database per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from common_core.processes import free_port
from scripts.kafka_topic_bootstrap import TopicBootstrapSettings, bootstrap_topics
from scripts.local_kafka import LocalKafka
from tests.support.auth import IdentityUnderTest, running_identity
from tests.support.faults import SEED as FAULT_SEED
from tests.support.postgres import create_database, drop_database, session_postgres_server


def pytest_report_header() -> str:
    """The fault suite's seed, so a failed run's random fault points can be replayed."""
    return f"fault seed: {FAULT_SEED} (FAULT_SEED={FAULT_SEED} replays the fault points)"


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap servers of a real broker with every fleet topic created.

    Starts a local broker on free ports once per session; set HULEEDU_TEST_KAFKA_BOOTSTRAP
    to point the suite at a broker that is already running instead.
    """
    external = os.environ.get("HULEEDU_TEST_KAFKA_BOOTSTRAP")
    kafka = None
    if external:
        bootstrap = external
    else:
        kafka = LocalKafka(tmp_path_factory.mktemp("kafka"), port=free_port())
        kafka.start()
        bootstrap = kafka.bootstrap_servers
    try:
        asyncio.run(bootstrap_topics(TopicBootstrapSettings(kafka_bootstrap_servers=bootstrap)))
        yield bootstrap
    finally:
        if kafka is not None:
            kafka.stop()


@pytest.fixture
def group_id(request: pytest.FixtureRequest) -> str:
    """A consumer group no other test uses, so tests never steal each other's messages."""
    return f"test-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[URL]:
    """Admin URL of the session's PostgreSQL server (see tests/support/postgres.py)."""
    with session_postgres_server() as url:
        yield url


@pytest.fixture
async def postgres_url(postgres_admin_url: URL) -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    url = await create_database(postgres_admin_url)
    try:
        yield url
    finally:
        await drop_database(postgres_admin_url, url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each test that takes it runs twice: on a fresh SQLite file and a fresh PostgreSQL
    database — the two databases the services run on."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    postgres_admin_url: URL = request.getfixturevalue("postgres_admin_url")
    url = await create_database(postgres_admin_url)
    try:
        yield url
    finally:
        await drop_database(postgres_admin_url, url)


@pytest.fixture(scope="session")
async def identity(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[IdentityUnderTest]:
    """The real identity service: teachers, their tokens and the JWKS the services verify
    them with (pass `identity.jwks_url` as a service's `identity_jwks_url`)."""
    async with running_identity(tmp_path_factory.mktemp("identity")) as running:
        yield running
