"""Batch-level helpers for the e2e and fault tests: make essays, follow progress, check results."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from common_core.enums import ProcessingEvent
from common_core.topics import topic_name
from scripts.fleet.client import ApiCallError, FleetClient
from tests.support.essays import generate_essay
from tests.support.kafka import collect_records

TERMINAL_ESSAY = {"spellchecked_success", "spellcheck_failed"}


def write_essays(folder: Path, count: int, seed: int) -> list[Path]:
    """`count` generated ~350-word essays with typos, as .txt files."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        path = folder / f"essay_{seed}_{i:02d}.txt"
        path.write_text(generate_essay(seed * 1000 + i).text, encoding="utf-8")
        files.append(path)
    return files


def results_so_far(client: FleetClient, batch_id: str) -> int:
    """Essays of the batch that have a spellcheck result (0 while ELS is unreachable)."""
    try:
        essays = client.essays(batch_id)["essays"]
    except (ApiCallError, OSError):
        return 0
    return sum(1 for e in essays if e["status"] in TERMINAL_ESSAY)


def wait_for_results(client: FleetClient, batch_id: str, at_least: int, timeout: float) -> int:
    """Poll ELS until `at_least` essays have results; returns the count seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = results_so_far(client, batch_id)
        if done >= at_least:
            return done
        time.sleep(0.05)  # polling the ELS API with a deadline
    raise TimeoutError(f"fewer than {at_least} results for {batch_id} after {timeout}s")


def assert_completed_exactly_once(
    client: FleetClient, kafka_bootstrap: str, batch_id: str, count: int
) -> None:
    """The batch completed, every essay has exactly one result, one completion event."""
    batch = client.wait_for_batch(batch_id, timeout=240)
    assert batch["status"] == "completed", batch
    counts = batch["pipeline_state"]["spellcheck"]["essay_counts"]
    assert counts == {"total": count, "successful": count, "failed": 0, "pending": 0}
    essays = client.essays(batch_id)["essays"]
    assert len(essays) == count
    for essay in essays:
        results = [t for t in essay["timeline"] if t["status"] in TERMINAL_ESSAY]
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
