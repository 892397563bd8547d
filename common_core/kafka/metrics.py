"""Prometheus metrics of the consuming loop, shared by every consumer in a process."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

QUEUE_LATENCY = Histogram(
    "huleedu_kafka_queue_latency_seconds",
    "Time from an event's event_timestamp to the start of its processing.",
    ["topic"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
HANDLER_SECONDS = Histogram(
    "huleedu_kafka_handler_seconds",
    "Time spent in the handler of one message, retries included.",
    ["topic"],
)
MESSAGES = Counter(
    "huleedu_kafka_messages_total",
    "Messages consumed, by outcome: processed, dead_lettered or retried (per retry).",
    ["topic", "outcome"],
)
