"""Fixtures for tests that run the whole fleet as real processes (e2e and faults)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from common_core.processes import free_port
from scripts.fleet.client import FleetClient
from scripts.fleet.running import RunningFleet
from tests.support.teachers import teacher_client


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
    """A teacher of their own, logged in (every public route needs a teacher's token)."""
    return teacher_client()


@pytest.fixture
def other_teacher(fleet: RunningFleet) -> FleetClient:
    """A second teacher, for what one teacher must not see of another's."""
    return teacher_client(label="other")
