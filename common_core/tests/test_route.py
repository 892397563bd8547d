"""A Route's single-message path: its own handler, or its batch handler with one message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from common_core.envelope import EventEnvelope
from common_core.events import BatchEssaysRegistered
from common_core.kafka import Route
from common_core.metadata import EntityReference, SystemProcessingMetadata


def envelope(batch_id: str) -> EventEnvelope[BatchEssaysRegistered]:
    data = BatchEssaysRegistered(
        batch_id=batch_id,
        expected_essay_count=1,
        essay_ids=["e1"],
        metadata=SystemProcessingMetadata(entity=EntityReference.batch(batch_id)),
    )
    return EventEnvelope.wrap(data, source_service="test", correlation_id="c")


async def test_a_route_with_only_a_batch_handler_hands_it_single_messages_as_batches_of_one() -> (
    None
):
    calls: list[list[str]] = []

    async def batch_handler(envelopes: Sequence[EventEnvelope[Any]]) -> None:
        calls.append([e.data.batch_id for e in envelopes])

    route = Route(BatchEssaysRegistered, batch_handler=batch_handler)
    await route.handle_one(envelope("b1"))

    assert calls == [["b1"]]


async def test_a_routes_own_handler_takes_single_messages() -> None:
    singles: list[str] = []

    async def handler(env: EventEnvelope[Any]) -> None:
        singles.append(env.data.batch_id)

    async def batch_handler(envelopes: Sequence[EventEnvelope[Any]]) -> None:
        raise AssertionError("the single path must not call the batch handler")

    await Route(BatchEssaysRegistered, handler, batch_handler=batch_handler).handle_one(
        envelope("b2")
    )

    assert singles == ["b2"]


def test_a_route_without_any_handler_is_refused() -> None:
    with pytest.raises(ValueError, match="handler"):
        Route(BatchEssaysRegistered)
