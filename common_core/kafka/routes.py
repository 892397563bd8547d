"""What a worker declares: which model each topic decodes into, its handler, retry policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog

from common_core.envelope import EventEnvelope
from common_core.events import EventData

Handler = Callable[[EventEnvelope[Any]], Awaitable[None]]
BatchHandler = Callable[[Sequence[EventEnvelope[Any]]], Awaitable[None]]


class PermanentError(Exception):
    """Raised by a handler when a message can never succeed: it goes to the DLT."""


@dataclass(frozen=True)
class Route:
    """What a topic's messages decode into and which handler gets them.

    `max_in_flight` > 1 lets messages of one partition be handled concurrently, for topics whose
    messages are independent of each other (one spellcheck request per essay). The offset is
    still committed only past messages that have all finished.

    `batch_handler`, for in-order routes, takes every message of a partition's poll at once and
    must be all-or-nothing (one transaction): when it raises, nothing of it may remain, because
    the loop then hands the same messages over again in smaller runs (single ones to `handler`).
    A route with a `batch_handler` needs no `handler`: a single message is a batch of one, so
    both paths make the same decisions.
    """

    model: type[EventData]
    handler: Handler | None = None
    max_in_flight: int = 1
    batch_handler: BatchHandler | None = None

    def __post_init__(self) -> None:
        if self.batch_handler is not None and self.max_in_flight != 1:
            raise ValueError("a batch_handler route handles its messages in order")
        if self.handler is None and self.batch_handler is None:
            raise ValueError("a route needs a handler or a batch_handler")

    async def handle_one(self, envelope: EventEnvelope[Any]) -> None:
        """The single-message path: `handler`, else `batch_handler` with one message."""
        if self.handler is not None:
            await self.handler(envelope)
        else:
            assert self.batch_handler is not None  # __post_init__ guarantees one of them
            await self.batch_handler([envelope])


@contextmanager
def bound_to(envelope: EventEnvelope[Any], topic: str) -> Iterator[None]:
    """Log lines inside carry the envelope's correlation_id (batch handlers use it per event)."""
    with structlog.contextvars.bound_contextvars(
        correlation_id=envelope.correlation_id, event_id=str(envelope.event_id), topic=topic
    ):
        yield


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for handler failures that are not PermanentError.

    The default window rides out a Content Service restart or a busy database; it must stay
    well under the consumer's max.poll.interval so the group does not evict a retrying worker.
    """

    initial_seconds: float = 0.2
    max_seconds: float = 5.0
    give_up_after_seconds: float = 120.0
