"""NLP Service metrics. Queue latency (event_timestamp -> processing start) and per-message
handler time come from the shared consuming loop (`huleedu_kafka_*`)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

PROCESSING_SECONDS = Histogram(
    "huleedu_nlp_processing_seconds",
    "Time to fetch, analyse, store and publish one essay (one attempt).",
    ["language"],
    buckets=_SECONDS_BUCKETS,
)
ANALYSIS_SECONDS = Histogram(
    "huleedu_nlp_analysis_seconds",
    "Time to compute one essay's metrics from its text.",
    ["language"],
    buckets=_SECONDS_BUCKETS,
)
RESULTS = Counter(
    "huleedu_nlp_results_total",
    "Results published, by language and status (nlp_success, nlp_failed).",
    ["language", "status"],
)
