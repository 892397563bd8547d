"""Kafka plumbing shared by every service: one publisher, one consuming loop, topic admin."""

from common_core.kafka.consumer import KafkaConsumerLoop, PermanentError, RetryPolicy, Route
from common_core.kafka.producer import KafkaEventPublisher

__all__ = ["KafkaConsumerLoop", "KafkaEventPublisher", "PermanentError", "RetryPolicy", "Route"]
