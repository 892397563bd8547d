"""Fault suite: kill -9 each process, restart the broker, freeze Content Service — mid-batch.

Each run registers a 30-essay batch for both pipelines (spellcheck, then NLP metrics), uploads it
in three chunks (retrying a chunk the way a teacher would press "upload" again when the request
failed, with the chunk's Idempotency-Key, so a retry whose first attempt went through gets that
first answer, never a 409), injects one fault at a random point, and requires the batch to
complete with exactly one result per essay in each phase.

Random fault points come from FAULT_SEED (printed by each test; a failing run shows it):
`FAULT_SEED=<seed> pdm run pytest tests/faults` replays them.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from scripts.fleet.client import FleetClient
from scripts.fleet.running import RunningFleet
from tests.support.batches import assert_completed_exactly_once, wait_for_results
from tests.support.faults import ESSAYS, PIPELINES, fault_rng, run_batch_with_fault

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "victim",
    [
        "file_service",
        "batch_orchestrator_service",
        "essay_lifecycle_worker",
        "spell_checker_service",
        "nlp_service",
    ],
)
def test_kill_9_at_a_random_point(
    fleet: RunningFleet, client: FleetClient, tmp_path: Path, victim: str
) -> None:
    rng = fault_rng(f"kill-{victim}")

    def kill(batch_id: str) -> None:
        if victim == "file_service":
            time.sleep(rng.uniform(0.0, 0.5))  # a random moment inside the uploads
        else:
            # The NLP worker is killed mid-NLP-phase; the others mid-spellcheck.
            phase = "nlp_metrics" if victim == "nlp_service" else "spellcheck"
            at_least = rng.randint(1, ESSAYS // 2)
            wait_for_results(client, batch_id, at_least, timeout=120, pipeline=phase)
        old = fleet.kill(victim)
        fleet.wait_restarted(victim, old)

    batch_id = run_batch_with_fault(
        client, tmp_path, kill, during_upload=victim == "file_service", rng=rng
    )

    assert_completed_exactly_once(client, fleet.kafka_bootstrap, batch_id, ESSAYS, PIPELINES)
    assert f"{victim} exited with code -9" in fleet.log_text()


def test_kafka_broker_restart_mid_batch(
    fleet: RunningFleet, client: FleetClient, tmp_path: Path
) -> None:
    def restart_broker(batch_id: str) -> None:
        wait_for_results(client, batch_id, at_least=1, timeout=120)
        old = fleet.kill("kafka")
        fleet.wait_restarted("kafka", old, timeout=120)

    rng = fault_rng("broker-restart")
    batch_id = run_batch_with_fault(client, tmp_path, restart_broker, during_upload=False, rng=rng)

    assert_completed_exactly_once(client, fleet.kafka_bootstrap, batch_id, ESSAYS, PIPELINES)
    assert "kafka exited with code" in fleet.log_text()


def test_content_service_frozen_for_ten_seconds(
    fleet: RunningFleet, client: FleetClient, tmp_path: Path
) -> None:
    def freeze_content(batch_id: str) -> None:
        wait_for_results(client, batch_id, at_least=1, timeout=120)
        fleet.kill("content_service", signal.SIGSTOP)
        try:
            time.sleep(10)  # the outage being simulated, not synchronisation
        finally:
            fleet.kill("content_service", signal.SIGCONT)

    rng = fault_rng("content-freeze")
    batch_id = run_batch_with_fault(client, tmp_path, freeze_content, during_upload=False, rng=rng)

    assert_completed_exactly_once(client, fleet.kafka_bootstrap, batch_id, ESSAYS, PIPELINES)
