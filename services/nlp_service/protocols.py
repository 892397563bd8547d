"""The seams of the per-message handler: its collaborators as Protocols.

Errors that decide "retry the message" or "publish a failed result" come from where they are
raised: Content Service's (common_core.content_client) and the domain's NoWordsError.
"""

from __future__ import annotations

from typing import Protocol

from common_core.events import NlpResultDataV1
from common_core.nlp import NlpMetrics


class FetchText(Protocol):
    """Returns the text stored under an id (raises UnusableTextError or ContentUnavailable)."""

    async def __call__(self, storage_id: str) -> str: ...


class StoreMetrics(Protocol):
    """Stores an essay's metrics as JSON in its batch and returns their new storage id."""

    async def __call__(self, metrics: NlpMetrics, batch_id: str) -> str: ...


class PublishResult(Protocol):
    """Publishes a result event under the request's correlation id, acknowledged by Kafka."""

    async def __call__(self, result: NlpResultDataV1, correlation_id: str) -> None: ...
