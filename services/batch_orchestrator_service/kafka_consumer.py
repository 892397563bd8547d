"""Where BOS's messages come in: topic -> contract -> handler, and the loop running in the app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from functools import partial

from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import BatchEssaysReady, EssayLifecycleStateUpdated
from common_core.kafka import (
    KafkaConsumerLoop,
    KafkaEventPublisher,
    RetryPolicy,
    Route,
    bound_to,
)
from common_core.logs import get_logger
from common_core.topics import topic_name
from services.batch_orchestrator_service.handlers import (
    StateUpdate,
    handle_batch_essays_ready,
    handle_essay_lifecycle_state_updates,
)
from services.batch_orchestrator_service.protocols import UnitOfWorkFactory

logger = get_logger(__name__)

STATE_TOPIC = topic_name(ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED)


def build_routes(uow_factory: UnitOfWorkFactory) -> dict[str, Route]:
    """BOS's consuming table; each call (one message, or one poll of updates) is one transaction."""

    async def on_batch_essays_ready(envelope: EventEnvelope[BatchEssaysReady]) -> None:
        await handle_batch_essays_ready(envelope.data, envelope.correlation_id, uow_factory())

    async def on_essay_state_updates(
        envelopes: Sequence[EventEnvelope[EssayLifecycleStateUpdated]],
    ) -> None:
        # A batch's ~400 updates arrive serially on one partition: one transaction per poll
        # instead of one per message. Each event's own log lines carry its correlation_id.
        updates = [
            StateUpdate(e.data, e.correlation_id, partial(bound_to, e, STATE_TOPIC))
            for e in envelopes
        ]
        await handle_essay_lifecycle_state_updates(updates, uow_factory())

    return {
        # Per message: one ready event per batch, nothing to gain from batching it.
        topic_name(ProcessingEvent.BATCH_ESSAYS_READY): Route(
            BatchEssaysReady, on_batch_essays_ready
        ),
        STATE_TOPIC: Route(EssayLifecycleStateUpdated, batch_handler=on_essay_state_updates),
    }


class BosConsumer:
    """The consuming loop as a background task of the web app, watched by /healthz."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        publisher: KafkaEventPublisher,
        uow_factory: UnitOfWorkFactory,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._loop = KafkaConsumerLoop(
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            routes=build_routes(uow_factory),
            dead_letter_publisher=publisher,
            retry=retry,
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and start consuming in the background."""
        try:
            await self._loop.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await self._loop.close()
            raise
        self._task = asyncio.create_task(self._loop.run(), name="bos-consumer")
        self._task.add_done_callback(self._report_exit)

    @property
    def alive(self) -> bool:
        """True while the loop task runs; a dead consumer makes /healthz answer 503."""
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Let the loop finish the message in hand, commit, leave the group, and wait for it."""
        if self._task is None:
            return
        await self._loop.stop()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await self._task

    @staticmethod
    def _report_exit(task: asyncio.Task[None]) -> None:
        if task.cancelled():
            logger.warning("consumer_cancelled")
        elif (exc := task.exception()) is not None:
            logger.error("consumer_died", error=repr(exc), exc_info=exc)
        else:
            logger.info("consumer_stopped")
