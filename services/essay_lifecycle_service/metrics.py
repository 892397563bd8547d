"""ELS's own Prometheus counters (the consuming loop's are in common_core.kafka.metrics).

Counted after commit, so a rolled-back attempt is not counted.
"""

from __future__ import annotations

from prometheus_client import Counter

UPLOAD_OUTCOMES = Counter(
    "huleedu_els_uploads_total",
    "Upload events by what became of them: content, failed, excess, pending or duplicate.",
    ["outcome"],
)
ESSAY_TRANSITIONS = Counter(
    "huleedu_els_essay_transitions_total", "Essay status changes by new status.", ["status"]
)
BATCHES_READY = Counter("huleedu_els_batches_ready_total", "BatchEssaysReady events queued.")
