"""Spell Checker metrics. Queue latency (event_timestamp -> processing start) and per-message
handler time come from the shared consuming loop (`huleedu_kafka_*`)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

PROCESSING_SECONDS = Histogram(
    "huleedu_spellcheck_processing_seconds",
    "Time to fetch, correct, store and publish one essay (one attempt).",
    ["language"],
    buckets=_SECONDS_BUCKETS,
)
CHECK_SECONDS = Histogram(
    "huleedu_spellcheck_check_seconds",
    "Time to correct one essay's text, queueing for a checker process included.",
    ["language"],
    buckets=_SECONDS_BUCKETS,
)
CORRECTIONS = Counter(
    "huleedu_spellcheck_corrections_total", "Words corrected, by language.", ["language"]
)
RESULTS = Counter(
    "huleedu_spellcheck_results_total",
    "Results published, by language and status (spellchecked_success, spellcheck_failed).",
    ["language", "status"],
)
