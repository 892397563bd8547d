"""Hand-written fakes for the handler's collaborators (see protocols.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from common_core.content_client import UnusableTextError
from common_core.enums import Language
from common_core.envelope import EventEnvelope
from common_core.events import SpellcheckRequestedDataV1, SpellcheckResultDataV1
from common_core.metadata import EntityReference, SystemProcessingMetadata
from services.spell_checker_service.corrector import CheckResult, Correction


@dataclass
class FakeContentStore:
    """Content Service in memory; `fail_fetch` / `fail_store` make the next calls raise."""

    blobs: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    fail_fetch: Exception | None = None
    fail_store: Exception | None = None
    stores: int = 0
    batches: list[str] = field(default_factory=list)  # the batch named by each store

    def put_text(self, text: str) -> str:
        storage_id = uuid.uuid4().hex
        self.blobs[storage_id] = (text.encode("utf-8"), "text/plain; charset=utf-8")
        return storage_id

    async def fetch_text(self, storage_id: str) -> str:
        if self.fail_fetch is not None:
            raise self.fail_fetch
        if storage_id not in self.blobs:
            raise UnusableTextError(f"text {storage_id} not found (404)")
        return self.blobs[storage_id][0].decode("utf-8")

    async def store_texts(self, texts: Sequence[tuple[str, str]], batch_id: str) -> list[str]:
        """One store request for all the texts (`stores` counts requests, `batches` blobs)."""
        if self.fail_store is not None:
            raise self.fail_store
        self.stores += 1
        storage_ids = []
        for text, content_type in texts:
            self.batches.append(batch_id)
            storage_id = uuid.uuid4().hex
            self.blobs[storage_id] = (text.encode("utf-8"), content_type)
            storage_ids.append(storage_id)
        return storage_ids


@dataclass
class FakeChecker:
    """Replaces every occurrence of the words in `fixes`; or raises `error`."""

    fixes: dict[str, str] = field(default_factory=dict)
    error: Exception | None = None
    calls: list[tuple[str, Language]] = field(default_factory=list)

    async def check(self, text: str, language: Language) -> CheckResult:
        self.calls.append((text, language))
        if self.error is not None:
            raise self.error
        corrections: list[Correction] = []
        for wrong, right in self.fixes.items():
            start = text.find(wrong)
            if start >= 0:
                corrections.append(Correction(wrong, right, start, start + len(wrong)))
        corrections.sort(key=lambda c: c.start)
        corrected = text
        for c in reversed(corrections):
            corrected = corrected[: c.start] + c.corrected + corrected[c.end :]
        return CheckResult(corrected, tuple(corrections))


@dataclass
class FakePublisher:
    """Records what would have gone to Kafka; `error` makes publishing fail."""

    published: list[tuple[SpellcheckResultDataV1, str]] = field(default_factory=list)
    error: Exception | None = None

    async def publish(self, result: SpellcheckResultDataV1, correlation_id: str) -> None:
        if self.error is not None:
            raise self.error
        self.published.append((result, correlation_id))


def spellcheck_request(
    text_storage_id: str, language: Language = Language.ENGLISH, correlation_id: str = "corr-1"
) -> EventEnvelope[SpellcheckRequestedDataV1]:
    """An envelope as ELS would publish it, for a fresh essay in a fresh batch."""
    batch_id = f"batch-{uuid.uuid4().hex[:8]}"
    essay = EntityReference(
        entity_id=f"essay-{uuid.uuid4().hex[:8]}", entity_type="essay", parent_id=batch_id
    )
    data = SpellcheckRequestedDataV1(
        batch_id=batch_id,
        entity_ref=essay,
        text_storage_id=text_storage_id,
        language=language,
        metadata=SystemProcessingMetadata(entity=essay),
    )
    return EventEnvelope.wrap(
        data, source_service="essay_lifecycle_service", correlation_id=correlation_id
    )
