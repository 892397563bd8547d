"""BOS's own Prometheus counters (HTTP and consuming-loop metrics come from common_core).

Counted after commit, so a rolled-back attempt is not counted.
"""

from __future__ import annotations

from prometheus_client import Counter

BATCHES_REGISTERED = Counter("huleedu_bos_batches_registered_total", "Batches registered.")
BATCHES_FINISHED = Counter(
    "huleedu_bos_batches_finished_total", "Batches that reached a terminal status.", ["status"]
)
BATCHES_DELETED = Counter(
    "huleedu_bos_batches_deleted_total",
    "Batches deleted, by whom: their teacher or retention.",
    ["reason"],
)
