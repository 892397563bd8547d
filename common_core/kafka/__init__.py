"""Kafka plumbing shared by every service: one publisher, one consuming loop, topic admin."""

from common_core.kafka.background import BackgroundConsumer, shut_down_this_process
from common_core.kafka.consumer import (
    LONG_FETCH_MAX_WAIT_MS,
    BatchHandler,
    KafkaConsumerLoop,
    PermanentError,
    RetryPolicy,
    Route,
    bound_to,
)
from common_core.kafka.fair_loop import FairConsumerLoop
from common_core.kafka.producer import KafkaEventPublisher, running_publisher, start_publisher

__all__ = [
    "LONG_FETCH_MAX_WAIT_MS",
    "BackgroundConsumer",
    "BatchHandler",
    "FairConsumerLoop",
    "KafkaConsumerLoop",
    "KafkaEventPublisher",
    "PermanentError",
    "RetryPolicy",
    "Route",
    "bound_to",
    "running_publisher",
    "shut_down_this_process",
    "start_publisher",
]
