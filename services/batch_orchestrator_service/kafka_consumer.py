"""Where BOS's messages come in: topic -> contract -> handler.

The consuming loop over this table runs inside the web app's process (a BackgroundConsumer,
wired in di.py and started by app.py); each call opens its own unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import BatchEssaysReady, EssayLifecycleStateUpdated
from common_core.kafka import (
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
