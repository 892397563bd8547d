"""Every gateway instance reads every live-update event: no consumer group, every partition
assigned by hand, reading from the end.

Why not a consumer group per instance: a group would give each instance committed offsets,
rebalances and a coordinator to join (seconds at each start), and would leave a group behind
in the broker for every instance that ever ran, all for events nobody needs to re-read: a
WebSocket message is a nudge, and a client that missed one (the gateway restarted, it was
offline) reads the current state over REST when it reconnects. So each instance is its own
reader: aiokafka's group-less mode assigns it every partition of the topics (and a partition
added later, noticed at the next metadata refresh, every `refresh_seconds`); it starts at the
end of each, keeps its position in memory only and commits nothing.

A message that does not decode is logged and skipped: the gateway does not own these topics,
and dead-lettering another service's event would hide it from that service's operators.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import ValidationError
from tenacity import AsyncRetrying, stop_after_delay, wait_exponential

from common_core.envelope import envelope_type
from common_core.kafka import LONG_FETCH_MAX_WAIT_MS, Route, bound_to
from common_core.kafka.metrics import HANDLER_SECONDS, MESSAGES, QUEUE_LATENCY
from common_core.logs import get_logger

logger = get_logger(__name__)


class BroadcastConsumer:
    """Reads the routed topics' new messages in this process, whatever other readers do."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        routes: Mapping[str, Route],
        client_id: str,
        refresh_seconds: float = 60.0,
        fetch_max_wait_ms: int = LONG_FETCH_MAX_WAIT_MS,
        close_timeout_seconds: float = 10.0,
    ) -> None:
        self._routes = dict(routes)
        self._close_timeout_seconds = close_timeout_seconds
        self._options: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers,
            "group_id": None,  # no group: every partition is ours, nothing is committed
            "client_id": client_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "latest",
            "metadata_max_age_ms": int(refresh_seconds * 1000),
            # A fetch returns as soon as a message arrives; the wait bounds an idle poll only
            # (each poll is handed over at once, so no partition waits behind a long one).
            "fetch_max_wait_ms": fetch_max_wait_ms,
        }
        self._consumer = self._new_consumer()
        self._stopping = asyncio.Event()
        self._assigned: frozenset[TopicPartition] = frozenset()

    def _new_consumer(self) -> Any:
        return AIOKafkaConsumer(*self._routes, **self._options)

    @property
    def assigned(self) -> frozenset[TopicPartition]:
        """The partitions being read (empty until `start` finished)."""
        return self._assigned

    async def start(self, connect_timeout_seconds: float = 0.0) -> None:
        """Connect, assign every partition of the routed topics and fix each position at the
        end: a message published after this returns is delivered."""
        retrying = AsyncRetrying(
            stop=stop_after_delay(connect_timeout_seconds),
            wait=wait_exponential(multiplier=0.2, max=3.0),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                try:
                    await self._consumer.start()
                except Exception as exc:
                    logger.warning("kafka_not_reachable_yet", error=repr(exc))
                    # A consumer that failed to start cannot be started again; build anew.
                    with contextlib.suppress(Exception):
                        await self._consumer.stop()
                    self._consumer = self._new_consumer()
                    raise
        # The group-less consumer assigned every partition at start (an unknown topic fails
        # it); each position is fixed at the end now, so "started" means "positioned".
        partitions = frozenset(self._consumer.assignment())
        await self._consumer.seek_to_end(*partitions)
        for tp in partitions:
            await self._consumer.position(tp)
        self._assigned = partitions
        logger.info("live_consumer_started", partitions=len(partitions))

    async def is_healthy(self, timeout: float = 2.0) -> bool:
        """Assigned, and the broker answers a metadata request."""
        if not self._assigned:
            return False
        try:
            async with asyncio.timeout(timeout):
                await self._consumer.topics()
        except Exception:  # any failure means "not reachable" for a health check
            return False
        return True

    async def run(self) -> None:
        """Read and hand over messages until `stop()`."""
        while not self._stopping.is_set():
            batches = await self._consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    await self._handle(record)

    async def _handle(self, record: ConsumerRecord[bytes, bytes]) -> None:
        route = self._routes[record.topic]
        try:
            if record.value is None:
                raise ValueError("message has no value")
            envelope = envelope_type(route.model).model_validate_json(record.value)
        except (ValidationError, ValueError) as exc:
            MESSAGES.labels(record.topic, "skipped").inc()
            logger.warning(
                "live_event_skipped", topic=record.topic, offset=record.offset, error=str(exc)
            )
            return
        QUEUE_LATENCY.labels(record.topic).observe(
            max(0.0, (datetime.now(UTC) - envelope.event_timestamp).total_seconds())
        )
        with bound_to(envelope, record.topic):
            started = time.perf_counter()
            try:
                await route.handle_one(envelope)
            except Exception:  # a bug in delivery must not stop every other teacher's updates
                logger.exception("live_event_failed", topic=record.topic)
                MESSAGES.labels(record.topic, "failed").inc()
                return
            finally:
                HANDLER_SECONDS.labels(record.topic).observe(time.perf_counter() - started)
        MESSAGES.labels(record.topic, "processed").inc()

    async def stop(self) -> None:
        """Make `run()` return after the current poll."""
        self._stopping.set()

    async def close(self) -> None:
        """Close the connections to the broker, giving up after `close_timeout_seconds`:
        aiokafka waits until each connection's socket is closed, which a broker in trouble
        may never allow, and a gateway told to stop must still exit."""
        try:
            async with asyncio.timeout(self._close_timeout_seconds):
                await self._consumer.stop()
        except TimeoutError:
            logger.warning("kafka_close_timed_out", seconds=self._close_timeout_seconds)
        except Exception as exc:  # closing anyway: nothing left to do with the error
            logger.warning("kafka_close_failed", error=repr(exc))
