"""Hand-written fakes for the handler's collaborators (see protocols.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from common_core.content_client import UnusableTextError
from common_core.enums import Language
from common_core.envelope import EventEnvelope
from common_core.events import NlpRequestedDataV1, NlpResultDataV1
from common_core.metadata import EntityReference, SystemProcessingMetadata
from common_core.nlp import NlpMetrics


@dataclass
class FakeContent:
    """Content Service in memory; `fail_fetch` / `fail_store` make the next calls raise."""

    texts: dict[str, str] = field(default_factory=dict)
    stored: dict[str, bytes] = field(default_factory=dict)
    fail_fetch: Exception | None = None
    fail_store: Exception | None = None
    batches: list[str] = field(default_factory=list)  # the batch named by each store

    def put_text(self, text: str) -> str:
        storage_id = uuid.uuid4().hex
        self.texts[storage_id] = text
        return storage_id

    async def fetch_text(self, storage_id: str) -> str:
        if self.fail_fetch is not None:
            raise self.fail_fetch
        if storage_id not in self.texts:
            raise UnusableTextError(f"text {storage_id} not found (404)")
        return self.texts[storage_id]

    async def store_metrics(self, metrics: NlpMetrics, batch_id: str) -> str:
        if self.fail_store is not None:
            raise self.fail_store
        self.batches.append(batch_id)
        storage_id = uuid.uuid4().hex
        self.stored[storage_id] = metrics.model_dump_json().encode()
        return storage_id


@dataclass
class FakePublisher:
    """Records what would have gone to Kafka; `error` makes publishing fail."""

    published: list[tuple[NlpResultDataV1, str]] = field(default_factory=list)
    error: Exception | None = None

    async def publish(self, result: NlpResultDataV1, correlation_id: str) -> None:
        if self.error is not None:
            raise self.error
        self.published.append((result, correlation_id))


def nlp_request(
    storage_id: str, language: Language = Language.ENGLISH, corrections: int = 0
) -> EventEnvelope[NlpRequestedDataV1]:
    """A request envelope for one essay of batch-1, as ELS would publish it."""
    essay = EntityReference.essay("essay-1", "batch-1")
    data = NlpRequestedDataV1(
        batch_id="batch-1",
        entity_ref=essay,
        corrected_text_storage_id=storage_id,
        spellcheck_corrections=corrections,
        language=language,
        metadata=SystemProcessingMetadata(entity=essay),
    )
    return EventEnvelope.wrap(data, source_service="test_els", correlation_id="corr-1")
