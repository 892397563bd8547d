"""Fault-suite helpers: a batch uploaded while a fault is injected, and the seed that makes the
random fault points reproducible.

The seed is FAULT_SEED (default 20261123), printed in the session header and by each fault test
(pytest shows it with a failure); `FAULT_SEED=<seed> pdm run pytest tests/faults` replays a
run's fault points, another seed explores others.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.fleet.client import ApiCallError, FleetClient
from tests.support.batches import write_essays

ESSAYS = 30
# Every fault batch runs both phases, so a fault in either is covered.
PIPELINES = ("spellcheck", "nlp_metrics")
SEED = int(os.environ.get("FAULT_SEED") or "20261123")


def fault_rng(test_name: str) -> random.Random:
    """This test's random source: the session seed and the test's name, printed for replay."""
    print(f"fault seed {SEED} (replay with FAULT_SEED={SEED}) for {test_name}")
    return random.Random(f"{SEED}-{test_name}")


def upload_with_retry(client: FleetClient, batch_id: str, files: list[Path]) -> dict[str, Any]:
    """Upload one chunk; on a failed request (process down, 503) send it again, with the same
    Idempotency-Key, until answered. Any other error (a 409 above all) fails the test."""
    key = uuid.uuid4().hex
    deadline = time.monotonic() + 120
    failures: list[str] = []
    while True:
        try:
            answer = client.upload(batch_id, files, idempotency_key=key)
        except (ApiCallError, OSError) as exc:
            status = getattr(exc, "status", None)
            if status not in (None, 502, 503) or time.monotonic() > deadline:
                raise
            failures.append(repr(exc))
            time.sleep(0.5)  # a teacher's retry, not synchronisation
            continue
        if failures:  # shown with a failing test: what the retries met
            print(f"chunk answered after {len(failures)} retries; first: {failures[0]}")
        return answer


def register_with_retry(client: FleetClient, count: int) -> str:
    """Register a batch, retrying while BOS answers 503 (its database restarting)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            registered = client.register_batch("ENG5", count, requested_pipelines=["nlp_metrics"])
            batch_id: str = registered["batch_id"]
            return batch_id
        except (ApiCallError, OSError) as exc:
            if getattr(exc, "status", None) not in (None, 502, 503) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)  # a teacher's retry, not synchronisation


def run_batch_with_fault(
    client: FleetClient,
    tmp_path: Path,
    fault: Callable[[str], None],
    during_upload: bool,
    rng: random.Random,
) -> str:
    """Register a batch of ESSAYS generated essays, upload them in three chunks and inject
    `fault(batch_id)` during the uploads or after them; returns the batch id."""
    files = write_essays(tmp_path, ESSAYS, seed=rng.randrange(10_000))
    batch_id = register_with_retry(client, ESSAYS)
    chunks = [files[i : i + 10] for i in range(0, ESSAYS, 10)]
    injector = threading.Thread(target=fault, args=(batch_id,))
    if during_upload:
        injector.start()
    answers = [upload_with_retry(client, batch_id, chunk) for chunk in chunks]
    if during_upload:
        injector.join()
    else:
        fault(batch_id)
    # Every chunk's answer, retried or not, names each of its files once, as new essays.
    for chunk, answer in zip(chunks, answers, strict=True):
        assert sorted(a["file_name"] for a in answer["accepted"]) == sorted(f.name for f in chunk)
        assert not any(a["duplicate"] for a in answer["accepted"])
    upload_ids = {a["file_upload_id"] for answer in answers for a in answer["accepted"]}
    assert len(upload_ids) == ESSAYS
    return batch_id
