"""The one consuming loop every worker runs.

A worker declares `{topic: Route(Model, handler)}`. For each message the loop decodes the
envelope into the declared model, binds `correlation_id` to the logs, records queue latency, calls
the handler, retries failures with backoff, dead-letters what can never succeed, and commits the
offset only after the handler (or the dead-letter send) finished. Partitions of one poll are
handled concurrently; messages within a partition strictly in order.

A route may also declare a `batch_handler`: a partition's messages of one poll are then handed
over in one call, which a database-backed worker applies in one transaction instead of one per
message. If that call fails for any reason, the loop splits the messages in halves and tries
again, down to single messages, which go through `handler` with its retries and dead-lettering:
the one message at fault is isolated and the rest still go in batches.

Replicas of a worker share its consumer group. When one joins or leaves, the group rebalances:
before a partition moves, the loop finishes the poll in hand and commits it (a rebalance
listener waits for it), so the next owner starts exactly after the last handled message. A
replica killed mid-poll commits nothing of that poll; the next owner handles it again, which
idempotent handlers make harmless.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_not_exception_type,
    stop_after_delay,
    wait_exponential_jitter,
)

from common_core.envelope import EventEnvelope, envelope_type
from common_core.events import EventData
from common_core.kafka.membership import (
    FinishBeforeHandOver,
    GroupConsumer,
    GroupMembership,
    aiokafka_consumer,
)
from common_core.kafka.metrics import HANDLER_SECONDS, MESSAGES, QUEUE_LATENCY
from common_core.kafka.producer import KafkaEventPublisher
from common_core.kafka.routes import (
    BatchHandler,
    Handler,
    PermanentError,
    RetryPolicy,
    Route,
    bound_to,
)
from common_core.logs import get_logger
from common_core.topics import dlt_topic_name

logger = get_logger(__name__)

__all__ = [
    "BatchHandler",
    "Handler",
    "KafkaConsumerLoop",
    "PermanentError",
    "RetryPolicy",
    "Route",
    "bound_to",
]


# How long the broker holds a fetch that finds no record; it answers at once when one arrives
# (fetch_min_bytes 1), so this bounds an empty poll only. But aiokafka keeps one fetch in flight
# per broker and leaves out of it a partition whose records have sat buffered for 100 ms while
# the loop handled the poll before: drained, that partition waits for the fetch in flight, up
# to this long when the others are quiet. So the pipeline's consumers keep it short: with 500
# ms, small batches measured slower (docs/performance.md, "Idle polling").
ORDERED_FETCH_MAX_WAIT_MS = 100
# For consumers nobody waits on in fractions of a second (BatchDeleted, the gateway's live
# updates): their empty polls are idle CPU of their own and the broker's, five times fewer.
LONG_FETCH_MAX_WAIT_MS = 500


class _ShuttingDown(Exception):
    """Retries were abandoned because the loop is stopping; the offset stays uncommitted."""


class KafkaConsumerLoop:
    """Consumes the routed topics in one consumer group until `stop()` is called."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        routes: Mapping[str, Route],
        dead_letter_publisher: KafkaEventPublisher,
        retry: RetryPolicy | None = None,
        max_records: int = 500,
        fetch_max_wait_ms: int = ORDERED_FETCH_MAX_WAIT_MS,
        make_consumer: Callable[[], GroupConsumer] | None = None,
    ) -> None:
        self._routes = dict(routes)
        self._group_id = group_id
        self._publisher = dead_letter_publisher
        self._retry = retry or RetryPolicy()
        self._max_records = max_records
        self._stopping = asyncio.Event()
        self._in_hand = asyncio.Lock()
        self._member = GroupMembership(
            make_consumer=make_consumer
            or aiokafka_consumer(bootstrap_servers, group_id, fetch_max_wait_ms),
            group_id=group_id,
            topics=list(self._routes),
            listener=self._rebalance_listener,
            stopping=self._stopping,
        )

    def _rebalance_listener(self) -> ConsumerRebalanceListener:
        """What runs when partitions move (at each join): finish and commit the poll in hand."""
        return FinishBeforeHandOver(self._in_hand, self._group_id)

    async def start(self) -> None:
        """Join the group; raises if the broker cannot be reached."""
        await self._member.join()
        logger.info("consumer_started", group_id=self._group_id, topics=sorted(self._routes))

    def assignment(self) -> set[TopicPartition]:
        """The partitions this member of the group owns right now."""
        return self._member.assignment()

    async def stop(self) -> None:
        """Ask `run()` to finish the message in hand, commit, and return."""
        self._stopping.set()

    async def close(self) -> None:
        """Leave the group and close connections."""
        await self._member.leave()

    async def run(self) -> None:
        """Poll, handle and commit until `stop()`; then leave the group."""
        try:
            while not self._stopping.is_set():
                batches = await self._member.poll(self._max_records)
                if not batches:
                    continue
                async with self._in_hand:
                    done = await asyncio.gather(
                        *(self._handle_partition(records) for records in batches.values())
                    )
                    await self._commit({tp: offset for tp, offset in done if offset is not None})
        finally:
            await self.close()

    async def _handle_partition(
        self, records: list[ConsumerRecord[bytes, bytes]]
    ) -> tuple[TopicPartition, int | None]:
        """Handle one partition's records; return the offset to commit (None: nothing done)."""
        tp = TopicPartition(records[0].topic, records[0].partition)
        route = self._routes[tp.topic]
        if route.batch_handler is not None:
            # Decoded once here: a failed batch is split and retried, its halves need no re-decode.
            envelopes = [_decode_or_none(record, route.model) for record in records]
            finished = await self._handle_in_batches(route, records, envelopes)
        elif route.max_in_flight == 1:
            finished = len(records)
            for index, record in enumerate(records):  # strictly in order, stop at an unfinished
                if not await self._handle_one(record):
                    finished = index
                    break
        else:
            limit = asyncio.Semaphore(route.max_in_flight)

            async def handle(record: ConsumerRecord[bytes, bytes]) -> bool:
                async with limit:
                    return await self._handle_one(record)

            done = list(await asyncio.gather(*(handle(r) for r in records)))
            finished = next((i for i, ok in enumerate(done) if not ok), len(done))
        # Commit past the longest run of finished messages only: an unfinished one is redone.
        return tp, records[finished - 1].offset + 1 if finished else None

    async def _handle_one(self, record: ConsumerRecord[bytes, bytes]) -> bool:
        """One message through the per-message path; False if it was left unfinished."""
        if self._stopping.is_set():
            return False
        try:
            await self._handle_record(record)
        except _ShuttingDown:
            return False
        return True

    async def _handle_in_batches(
        self,
        route: Route,
        records: list[ConsumerRecord[bytes, bytes]],
        envelopes: list[EventEnvelope[Any] | None],
    ) -> int:
        """Records in order as one batch; if that fails, each half the same way (down to one
        message, which takes the per-message path with its retries and dead-lettering).

        Halving isolates one bad message in about 2·log2(n) calls and keeps the rest of the
        poll batched. `envelopes` holds each record decoded (None: undecodable). Returns how
        many records from the start are finished.
        """
        if len(records) == 1:
            return int(await self._handle_one(records[0]))
        if self._stopping.is_set():
            return 0
        if await self._handle_batch(route, records[0].topic, envelopes):
            return len(records)
        half = len(records) // 2
        first = await self._handle_in_batches(route, records[:half], envelopes[:half])
        if first < half:
            return first
        return half + await self._handle_in_batches(route, records[half:], envelopes[half:])

    async def _handle_batch(
        self, route: Route, topic: str, decoded: list[EventEnvelope[Any] | None]
    ) -> bool:
        """One call for the whole run of envelopes; False means "split it and try again"."""
        assert route.batch_handler is not None
        envelopes = [envelope for envelope in decoded if envelope is not None]
        if len(envelopes) < len(decoded):
            return False  # the per-message path dead-letters the undecodable one
        now = datetime.now(UTC)
        waited = [max(0.0, (now - e.event_timestamp).total_seconds()) for e in envelopes]
        started = time.perf_counter()
        try:
            await route.batch_handler(envelopes)
        except Exception as exc:  # any failure: isolate it per message, with retries and DLT
            logger.warning(
                "batch_failed_splitting",
                topic=topic,
                messages=len(envelopes),
                error=f"{type(exc).__name__}: {exc}",
            )
            return False
        # Each message is charged its share, so the histogram stays "seconds per message".
        share = (time.perf_counter() - started) / len(envelopes)
        for seconds in waited:
            QUEUE_LATENCY.labels(topic).observe(seconds)
            HANDLER_SECONDS.labels(topic).observe(share)
        MESSAGES.labels(topic, "processed").inc(len(envelopes))
        logger.debug("batch_handled", topic=topic, messages=len(envelopes))
        return True

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        if not offsets:
            return
        try:
            await self._member.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partition away; the new owner re-handles the messages,
            # which every handler tolerates (at-least-once, idempotent handlers).
            logger.warning("commit_failed", error=str(exc), group_id=self._group_id)

    async def _handle_record(self, record: ConsumerRecord[bytes, bytes]) -> None:
        route = self._routes[record.topic]
        try:
            envelope = _decode(record, route.model)
        except (ValidationError, ValueError) as exc:
            await self._dead_letter(record, "invalid_message", str(exc))
            return
        QUEUE_LATENCY.labels(record.topic).observe(
            max(0.0, (datetime.now(UTC) - envelope.event_timestamp).total_seconds())
        )
        with bound_to(envelope, record.topic):
            started = time.perf_counter()
            try:
                await self._call_with_retries(route.handle_one, envelope)
            except PermanentError as exc:
                await self._dead_letter(record, "permanent_error", str(exc))
                return
            except _ShuttingDown:
                raise
            except Exception as exc:
                logger.exception("handler_gave_up", error=str(exc))
                await self._dead_letter(record, "retries_exhausted", f"{type(exc).__name__}: {exc}")
                return
            finally:
                HANDLER_SECONDS.labels(record.topic).observe(time.perf_counter() - started)
            MESSAGES.labels(record.topic, "processed").inc()

    async def _call_with_retries(self, handler: Handler, envelope: EventEnvelope[Any]) -> None:
        policy = self._retry

        def should_stop(state: RetryCallState) -> bool:
            return self._stopping.is_set() or stop_after_delay(policy.give_up_after_seconds)(state)

        def before_sleep(state: RetryCallState) -> None:
            MESSAGES.labels(envelope.event_type, "retried").inc()
            exc = state.outcome.exception() if state.outcome else None
            logger.warning("handler_failed_retrying", attempt=state.attempt_number, error=repr(exc))

        retrying = AsyncRetrying(
            retry=retry_if_not_exception_type(PermanentError),
            wait=wait_exponential_jitter(multiplier=policy.initial_seconds, max=policy.max_seconds),
            stop=should_stop,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await handler(envelope)
        except PermanentError:
            raise
        except Exception:
            if self._stopping.is_set():
                raise _ShuttingDown from None
            raise

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], reason: str, error: str
    ) -> None:
        """Park a message in `<topic>.DLT` with why it failed; the offset is then committed."""
        headers = [
            ("dlt.reason", reason.encode()),
            ("dlt.error", error[:4000].encode()),
            ("dlt.original_topic", record.topic.encode()),
            ("dlt.original_partition", str(record.partition).encode()),
            ("dlt.original_offset", str(record.offset).encode()),
            ("dlt.consumer_group", self._group_id.encode()),
            ("dlt.failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        await self._publisher.send_raw(
            dlt_topic_name(record.topic), record.value or b"", record.key, headers
        )
        MESSAGES.labels(record.topic, "dead_lettered").inc()
        logger.error(
            "message_dead_lettered",
            reason=reason,
            error=error[:500],
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )


def _decode_or_none(
    record: ConsumerRecord[bytes, bytes], model: type[EventData]
) -> EventEnvelope[Any] | None:
    """`_decode`, with None for a record that does not decode (the batch path's marker)."""
    try:
        return _decode(record, model)
    except (ValidationError, ValueError):
        return None


def _decode(record: ConsumerRecord[bytes, bytes], model: type[EventData]) -> EventEnvelope[Any]:
    """Validate the record into `EventEnvelope[model]`; raises ValueError/ValidationError."""
    if record.value is None:
        raise ValueError("message has no value")
    envelope = envelope_type(model).model_validate_json(record.value)
    if envelope.event_type != record.topic:
        raise ValueError(
            f"event_type {envelope.event_type!r} does not match topic {record.topic!r}"
        )
    return envelope
