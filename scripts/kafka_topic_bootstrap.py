"""Create exactly the fleet's topics and their `.DLT` twins; succeed when they already exist.

Retries with backoff until the broker answers, so it can run as the one-shot
`kafka_topic_setup` container before any service starts (no reliance on topic auto-create).

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 python -m scripts.kafka_topic_bootstrap
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from pydantic_settings import BaseSettings, SettingsConfigDict
from tenacity import AsyncRetrying, stop_after_delay, wait_exponential

from common_core.logs import configure_logging, get_logger
from common_core.topics import all_topics

logger = get_logger("kafka_topic_bootstrap")


class TopicBootstrapSettings(BaseSettings):
    """Env vars without a prefix, matching the compose service's environment."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_partitions: int = 3
    # 3 and 2 on a three-broker cluster: an acknowledged write (acks=all) is then on at least
    # two brokers, and losing any one broker stops neither reads nor writes.
    kafka_topic_replication_factor: int = 1
    kafka_topic_min_insync_replicas: int = 1
    kafka_bootstrap_timeout_seconds: float = 120.0

    def topic_configs(self) -> dict[str, str]:
        """Per-topic settings the topics are created with."""
        return {"min.insync.replicas": str(self.kafka_topic_min_insync_replicas)}


async def _create_missing(settings: TopicBootstrapSettings) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        wanted = set(all_topics())
        existing = set(await admin.list_topics())
        missing = sorted(wanted - existing)
        if missing:
            # A concurrent bootstrap may win the race; the list below tells the truth.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(
                            name,
                            num_partitions=settings.kafka_topic_partitions,
                            replication_factor=settings.kafka_topic_replication_factor,
                            topic_configs=settings.topic_configs(),
                        )
                        for name in missing
                    ]
                )
        present = set(await admin.list_topics()) & wanted
        if present != wanted:
            raise RuntimeError(f"topics still missing: {sorted(wanted - present)}")
        logger.info("topics_ready", created=missing, total=len(present))
        return present
    finally:
        await admin.close()


async def bootstrap_topics(settings: TopicBootstrapSettings | None = None) -> set[str]:
    """Ensure every mapped topic and DLT twin exists; returns the fleet's topic set."""
    settings = settings or TopicBootstrapSettings()
    async for attempt in AsyncRetrying(
        wait=wait_exponential(multiplier=0.5, max=5),
        stop=stop_after_delay(settings.kafka_bootstrap_timeout_seconds),
        reraise=True,
    ):
        with attempt:
            return await _create_missing(settings)
    raise AssertionError("unreachable: tenacity re-raises the last error")


def main() -> int:
    configure_logging("kafka_topic_bootstrap")
    try:
        topics = asyncio.run(bootstrap_topics())
    except Exception as exc:
        logger.error("topic_bootstrap_failed", error=repr(exc))
        return 1
    print(f"{len(topics)} topics ready", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
