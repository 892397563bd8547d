"""Batch-level helpers for the e2e and fault tests: make essays, follow progress, check results."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from common_core.enums import ProcessingEvent
from common_core.pipeline_catalog import PIPELINES
from common_core.topics import topic_name
from scripts.fleet.client import ApiCallError, FleetClient
from tests.support.essays import generate_essay
from tests.support.kafka import collect_records

# The result statuses of each pipeline, as the ELS API shows them.
RESULTS = {
    name: {spec.success_status.value, spec.failure_status.value} for name, spec in PIPELINES.items()
}


def write_essays(folder: Path, count: int, seed: int) -> list[Path]:
    """`count` generated ~350-word essays with typos, as .txt files."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        path = folder / f"essay_{seed}_{i:02d}.txt"
        path.write_text(generate_essay(seed * 1000 + i).text, encoding="utf-8")
        files.append(path)
    return files


def results_so_far(client: FleetClient, batch_id: str, pipeline: str = "spellcheck") -> int:
    """Essays of the batch with a result of `pipeline` (0 while ELS is unreachable)."""
    try:
        essays = client.essays(batch_id)["essays"]
    except (ApiCallError, OSError):
        return 0
    return sum(1 for e in essays if any(t["status"] in RESULTS[pipeline] for t in e["timeline"]))


def wait_for_results(
    client: FleetClient, batch_id: str, at_least: int, timeout: float, pipeline: str = "spellcheck"
) -> int:
    """Poll ELS until `at_least` essays have a result of `pipeline`; returns the count seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = results_so_far(client, batch_id, pipeline)
        if done >= at_least:
            return done
        time.sleep(0.05)  # polling the ELS API with a deadline
    raise TimeoutError(f"fewer than {at_least} {pipeline} results for {batch_id} after {timeout}s")


def wait_for_essays(
    client: FleetClient,
    batch_id: str,
    done: Callable[[list[dict[str, Any]]], bool],
    timeout: float,
) -> list[dict[str, Any]]:
    """Poll the batch's essays in ELS until `done` holds for them; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            essays: list[dict[str, Any]] = client.essays(batch_id)["essays"]
        except (ApiCallError, OSError):
            essays = []
        if essays and done(essays):
            return essays
        if time.monotonic() > deadline:
            raise TimeoutError(f"essays of {batch_id} not as expected after {timeout}s: {essays}")
        time.sleep(0.05)  # polling the ELS API with a deadline


def assert_completed_exactly_once(
    client: FleetClient,
    kafka_bootstrap: str,
    batch_id: str,
    count: int,
    pipelines: Sequence[str] = ("spellcheck",),
) -> dict[str, Any]:
    """The batch completed every pipeline for every essay, each essay has exactly one result
    per pipeline, and exactly one completion event went out. Returns the batch."""
    batch = client.wait_for_batch(batch_id, timeout=240)
    assert batch["status"] == "completed", batch
    state = batch["pipeline_state"]
    assert state["requested_pipelines"] == list(pipelines)
    for pipeline in pipelines:
        assert state[pipeline]["status"] == "completed", state
        assert state[pipeline]["essay_counts"] == {
            "total": count, "successful": count, "failed": 0, "pending": 0, "skipped": 0,
        }  # fmt: skip
    essays = client.essays(batch_id)["essays"]
    assert len(essays) == count
    for essay in essays:
        for pipeline in pipelines:
            results = [t for t in essay["timeline"] if t["status"] in RESULTS[pipeline]]
            assert len(results) == 1, essay["timeline"]
    # Read for two completion events with a short deadline, so a duplicate would be seen.
    completed = asyncio.run(
        collect_records(
            kafka_bootstrap,
            topic_name(ProcessingEvent.BATCH_LIFECYCLE_COMPLETED),
            lambda r: r.key == batch_id.encode(),
            count=2,
            timeout=5,
        )
    )
    assert len(completed) == 1
    return batch
