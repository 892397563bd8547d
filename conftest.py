"""Fixtures shared by the whole suite: one real Kafka broker per test session."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest

from scripts.kafka_topic_bootstrap import TopicBootstrapSettings, bootstrap_topics
from scripts.local_kafka import LocalKafka, free_port


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
