"""Fixtures for tests that run the whole fleet as real processes (e2e and faults)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from common_core.processes import free_port
from scripts.fleet.client import FleetClient, FleetUrls
from scripts.fleet.running import RunningFleet


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFleet]:
    """`fleet up` with its own supervised broker, shared by e2e and fault tests."""
    running = RunningFleet(tmp_path_factory.mktemp("fleet"), kafka_port=free_port())
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def client(fleet: RunningFleet) -> FleetClient:
    return FleetClient(FleetUrls())
