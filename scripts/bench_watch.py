"""What the load benchmarks watch on a running fleet: when each batch completed (one poll for
all of them) and how long messages waited in each consumer's topics."""

from __future__ import annotations

import threading
import urllib.request
from datetime import datetime
from typing import Protocol, TypeVar

from prometheus_client.parser import text_string_to_metric_families

from scripts.fleet.client import TERMINAL_BATCH_STATUSES, FleetClient
from scripts.fleet_sampling import Sampling

# Where each consumer's queue latency (event_timestamp -> handling starts) is served.
CONSUMER_METRICS = {
    "ELS worker": "http://127.0.0.1:9091/metrics",
    "spell checker": "http://127.0.0.1:8002/metrics",
    "BOS": "http://127.0.0.1:5001/metrics",
}


class HasTimes(Protocol):
    """A batch whose completion time the watcher fills in."""

    batch_id: str
    completed: float


Batch = TypeVar("Batch", bound=HasTimes)


def at(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


class CompletionWatcher(Sampling):
    """One thread polls the teacher's batch list and notes when each batch turned terminal
    (BOS's own `updated_at`), so twenty batches cost one request per poll, not twenty."""

    def __init__(self, client: FleetClient, interval: float = 0.25) -> None:
        super().__init__(interval)
        self._client = client
        self._done: dict[str, float] = {}
        self._changed = threading.Condition()

    def sample(self) -> None:
        for batch in self._client.batches(limit=500):
            if batch["status"] in TERMINAL_BATCH_STATUSES and batch["batch_id"] not in self._done:
                assert batch["status"] == "completed", batch
                with self._changed:
                    self._done[batch["batch_id"]] = at(batch["updated_at"])
                    self._changed.notify_all()

    def wait(self, batch: Batch, timeout: float = 1800.0) -> Batch:
        """Block until the batch is terminal; fills in its completion time."""
        with self._changed:
            if not self._changed.wait_for(lambda: batch.batch_id in self._done, timeout):
                raise TimeoutError(f"batch {batch.batch_id} not done after {timeout}s")
            batch.completed = self._done[batch.batch_id]
        return batch


def queue_waits() -> dict[tuple[str, str], tuple[float, float]]:
    """Each consumer's queue-latency histogram so far: (consumer, topic) -> (count, sum)."""
    waits: dict[tuple[str, str], tuple[float, float]] = {}
    for consumer, url in CONSUMER_METRICS.items():
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        for family in text_string_to_metric_families(text):
            if family.name != "huleedu_kafka_queue_latency_seconds":
                continue
            for sample in family.samples:
                key = (consumer, sample.labels["topic"].removeprefix("huleedu."))
                count, total = waits.get(key, (0.0, 0.0))
                if sample.name.endswith("_count"):
                    waits[key] = (sample.value, total)
                elif sample.name.endswith("_sum"):
                    waits[key] = (count, sample.value)
    return waits
