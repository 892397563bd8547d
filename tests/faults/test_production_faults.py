"""Faults on the production topology (`fleet up --profile production`): PostgreSQL, three
KRaft brokers (every topic RF 3, min.insync.replicas 2), two replicas of each Kafka worker.

Each test runs a 30-essay batch through both phases (spellcheck, then NLP), injects one fault at
a random point (seeded, printed: FAULT_SEED replays it) and requires the batch to complete with
exactly one result per essay in each phase and exactly one BatchLifecycleCompleted. The dead
process is restarted by the fleet afterwards, as compose's restart policy would, but the batch
does not wait for that: the survivors carry it.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from scripts.fleet.client import FleetClient
from scripts.fleet.running import RunningFleet
from tests.support.batches import assert_completed_exactly_once, wait_for_results
from tests.support.faults import ESSAYS, PIPELINES, fault_rng, run_batch_with_fault

pytestmark = [pytest.mark.e2e, pytest.mark.production]


@pytest.mark.parametrize("which", ["active_controller", "other_broker"])
def test_kill_9_one_broker_mid_batch(
    production_fleet: RunningFleet, production_client: FleetClient, tmp_path: Path, which: str
) -> None:
    rng = fault_rng(f"broker-{which}")
    killed: list[tuple[str, int]] = []

    def kill_broker(batch_id: str) -> None:
        wait_for_results(production_client, batch_id, rng.randint(1, ESSAYS // 2), timeout=180)
        controller = production_fleet.active_controller()
        others = sorted({"kafka-1", "kafka-2", "kafka-3"} - {controller})
        victim = controller if which == "active_controller" else rng.choice(others)
        killed.append((victim, production_fleet.kill(victim)))

    batch_id = run_batch_with_fault(production_client, tmp_path, kill_broker, False, rng)

    assert_completed_exactly_once(
        production_client, production_fleet.kafka_bootstrap, batch_id, ESSAYS, PIPELINES
    )
    victim, old_pid = killed[0]
    production_fleet.wait_restarted(victim, old_pid, timeout=180)
    assert f"{victim} exited with code -9" in production_fleet.log_text()


@pytest.mark.parametrize(
    "worker", ["essay_lifecycle_worker", "spell_checker_service", "nlp_service"]
)
def test_kill_9_one_of_two_replicas_mid_batch(
    production_fleet: RunningFleet, production_client: FleetClient, tmp_path: Path, worker: str
) -> None:
    rng = fault_rng(f"replica-{worker}")
    victim = rng.choice([worker, f"{worker}-2"])
    # The NLP worker is killed mid-NLP-phase; the others mid-spellcheck.
    phase = "nlp_metrics" if worker == "nlp_service" else "spellcheck"
    old_pid: list[int] = []

    def kill_replica(batch_id: str) -> None:
        at_least = rng.randint(1, ESSAYS // 2)
        wait_for_results(production_client, batch_id, at_least, timeout=180, pipeline=phase)
        old_pid.append(production_fleet.kill(victim))

    batch_id = run_batch_with_fault(production_client, tmp_path, kill_replica, False, rng)

    assert_completed_exactly_once(
        production_client, production_fleet.kafka_bootstrap, batch_id, ESSAYS, PIPELINES
    )
    production_fleet.wait_restarted(victim, old_pid[0], timeout=120)
    assert f"{victim} exited with code -9" in production_fleet.log_text()


def test_postgres_restart_mid_batch(
    production_fleet: RunningFleet, production_client: FleetClient, tmp_path: Path
) -> None:
    rng = fault_rng("postgres-restart")
    old_pid: list[int] = []

    def restart_postgres(batch_id: str) -> None:
        wait_for_results(production_client, batch_id, rng.randint(1, ESSAYS // 2), timeout=180)
        # kill -9 of the postmaster: its backends exit, the fleet starts it again, and it
        # recovers from its write-ahead log (nothing committed is lost).
        old_pid.append(production_fleet.kill("postgres", signal.SIGKILL))
        production_fleet.wait_restarted("postgres", old_pid[0], timeout=120)

    batch_id = run_batch_with_fault(production_client, tmp_path, restart_postgres, False, rng)

    assert_completed_exactly_once(
        production_client, production_fleet.kafka_bootstrap, batch_id, ESSAYS, PIPELINES
    )
    assert "postgres exited with code -9" in production_fleet.log_text()
