"""The one way services put events on Kafka: acks=all, idempotent, keyed by the contract."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from types import TracebackType
from typing import Self

from aiokafka import AIOKafkaProducer
from tenacity import AsyncRetrying, stop_after_delay, wait_exponential

from common_core.envelope import EventEnvelope
from common_core.events import EventData
from common_core.logs import get_logger

logger = get_logger(__name__)

Headers = Sequence[tuple[str, bytes]]


class KafkaEventPublisher:
    """Publishes envelopes and waits for the broker's acknowledgement of each."""

    def __init__(self, bootstrap_servers: str, source_service: str) -> None:
        self.source_service = source_service
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=source_service,
            acks="all",
            enable_idempotence=True,
            # A few ms of linger lets a burst (one event per essay) share a request.
            linger_ms=5,
            request_timeout_ms=30000,
        )

    async def start(self) -> None:
        """Connect; raises if the broker cannot be reached."""
        await self._producer.start()

    async def stop(self) -> None:
        """Flush pending sends and disconnect."""
        await self._producer.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def envelope(self, data: EventData, correlation_id: str) -> EventEnvelope[EventData]:
        """Wrap a payload in an envelope stamped with this service as the source."""
        return EventEnvelope.wrap(
            data, source_service=self.source_service, correlation_id=correlation_id
        )

    async def publish(self, data: EventData, correlation_id: str) -> EventEnvelope[EventData]:
        """Publish one payload to its topic, keyed per the contract; returns the envelope."""
        envelope = self.envelope(data, correlation_id)
        await self.publish_envelope(envelope)
        return envelope

    async def publish_envelope(self, envelope: EventEnvelope[EventData]) -> None:
        """Publish an already built envelope and wait for the ack."""
        await self.send_raw(
            envelope.event_type,
            envelope.model_dump_json().encode(),
            envelope.data.partition_key(),
        )
        logger.debug("event_published", topic=envelope.event_type, event_id=str(envelope.event_id))

    async def publish_many(self, items: Iterable[tuple[EventData, str]]) -> None:
        """Publish several (payload, correlation_id) pairs, sent together, all acknowledged."""
        envelopes = [self.envelope(data, correlation_id) for data, correlation_id in items]
        await self.send_raw_many(
            (e.event_type, e.model_dump_json().encode(), e.data.partition_key()) for e in envelopes
        )

    async def send_raw_many(self, messages: Iterable[tuple[str, bytes, str | None]]) -> None:
        """Send (topic, value, key) messages pipelined, and wait until all are acknowledged."""
        futures = [
            await self._producer.send(topic, value=value, key=key.encode() if key else None)
            for topic, value, key in messages
        ]
        await asyncio.gather(*futures)

    async def send_raw(
        self, topic: str, value: bytes, key: str | bytes | None, headers: Headers | None = None
    ) -> None:
        """Send bytes as they are (dead letters, outbox rows) and wait for the ack."""
        key_bytes = key.encode() if isinstance(key, str) else key
        await self._producer.send_and_wait(
            topic, value=value, key=key_bytes, headers=list(headers or [])
        )

    async def is_healthy(self, timeout: float = 2.0) -> bool:
        """True when the broker answers a metadata request within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                await self._producer.client.fetch_all_metadata()
        except Exception:  # any failure means "not reachable" for a health check
            return False
        return True


async def start_publisher(
    bootstrap_servers: str, source_service: str, connect_timeout_seconds: float = 0.0
) -> KafkaEventPublisher:
    """A started publisher; retries for `connect_timeout_seconds` while the broker is starting.

    0 means one attempt: the caller fails at once and its supervisor restarts it.
    """
    retrying = AsyncRetrying(
        stop=stop_after_delay(connect_timeout_seconds),
        wait=wait_exponential(multiplier=0.2, max=3.0),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            publisher = KafkaEventPublisher(bootstrap_servers, source_service)
            try:
                await publisher.start()
            except Exception as exc:
                logger.warning("kafka_not_reachable_yet", error=repr(exc))
                # A producer that failed to start cannot be restarted; drop it and build anew.
                with contextlib.suppress(Exception):
                    await publisher.stop()
                raise
            return publisher
    raise AssertionError("unreachable: tenacity either returns or reraises")


@contextlib.asynccontextmanager
async def running_publisher(
    bootstrap_servers: str, source_service: str, connect_timeout_seconds: float = 0.0
) -> AsyncIterator[KafkaEventPublisher]:
    """`start_publisher` for the length of a block; pending sends are flushed when it ends.

    Every service's wiring (di.py) opens its one publisher this way.
    """
    publisher = await start_publisher(bootstrap_servers, source_service, connect_timeout_seconds)
    try:
        yield publisher
    finally:
        await publisher.stop()
