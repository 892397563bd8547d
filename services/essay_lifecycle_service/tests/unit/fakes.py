"""An in-memory unit of work: same contract as the SQL one, including rollback of events."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self

from common_core.events import EventData
from services.essay_lifecycle_service.domain import (
    AWAITING_CONTENT,
    Batch,
    Essay,
    FailedUploadRecord,
    PhaseOutcome,
    SlotCounts,
    SlotTakenError,
    Upload,
    UploadKind,
)


@dataclass
class StoredUpload:
    upload: Upload
    kind: UploadKind
    error_code: str | None
    message: str | None


@dataclass
class FakeState:
    batches: dict[str, Batch] = field(default_factory=dict)
    essays: dict[str, Essay] = field(default_factory=dict)
    uploads: dict[str, StoredUpload] = field(default_factory=dict)
    timeline: list[tuple[str, str]] = field(default_factory=list)
    deleted: dict[str, datetime] = field(default_factory=dict)
    published: list[tuple[EventData, str]] = field(default_factory=list)


class FakeEssayRepository:
    """The repository over a working copy of the state (the unit of work's transaction)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    async def lock_batch(self, batch_id: str) -> None:
        return None

    async def add_batch(self, batch: Batch, registered_at: datetime) -> bool:
        if batch.batch_id in self.state.batches:
            return False
        self.state.batches[batch.batch_id] = batch
        for index, essay_id in enumerate(batch.essay_ids):
            self.state.essays[essay_id] = Essay(essay_id, batch.batch_id, index, AWAITING_CONTENT)
        return True

    async def get_batch(self, batch_id: str) -> Batch | None:
        return self.state.batches.get(batch_id)

    async def taken_essay_ids(self, essay_ids: Sequence[str]) -> set[str]:
        return {e for e in essay_ids if e in self.state.essays}

    async def add_uploads(self, uploads: Sequence[Upload]) -> set[str]:
        new = set()
        for upload in uploads:
            if upload.file_upload_id not in self.state.uploads:
                self.state.uploads[upload.file_upload_id] = StoredUpload(
                    upload, UploadKind.PENDING, upload.error_code, upload.message
                )
                new.add(upload.file_upload_id)
        return new

    async def set_upload_kinds(
        self,
        file_upload_ids: Sequence[str],
        kind: UploadKind,
        *,
        error_code: str | None = None,
        message: str | None = None,
    ) -> None:
        for file_upload_id in file_upload_ids:
            stored = self.state.uploads[file_upload_id]
            stored.kind = kind
            if error_code is not None:
                stored.error_code, stored.message = error_code, message

    def _uploads(self, batch_id: str, kind: UploadKind) -> list[StoredUpload]:
        found = [
            s
            for s in self.state.uploads.values()
            if s.upload.batch_id == batch_id and s.kind is kind
        ]
        return sorted(found, key=lambda s: (s.upload.received_at, s.upload.file_upload_id))

    async def pending_uploads(self, batch_id: str) -> list[Upload]:
        return [s.upload for s in self._uploads(batch_id, UploadKind.PENDING)]

    async def free_slots(self, batch_id: str) -> list[str]:
        essays = await self.essays_of_batch(batch_id)
        return [e.essay_id for e in essays if e.file_upload_id is None]

    async def assigned_content_hashes(self, batch_id: str) -> set[str]:
        essays = await self.essays_of_batch(batch_id)
        return {e.content_sha256 for e in essays if e.content_sha256}

    async def claim_slots(self, claims: Sequence[tuple[str, Upload]]) -> None:
        for essay_id, upload in claims:
            essay = self.state.essays[essay_id]
            if essay.file_upload_id is not None:
                raise SlotTakenError(essay_id)
            self.state.essays[essay_id] = replace(
                essay,
                file_upload_id=upload.file_upload_id,
                original_file_name=upload.file_name,
                student_name=upload.student_name,
                student_email=upload.student_email,
                text_storage_id=upload.text_storage_id,
                content_sha256=upload.content_sha256,
            )

    async def slot_counts(self, batch_id: str) -> SlotCounts:
        essays = await self.essays_of_batch(batch_id)
        return SlotCounts(
            assigned=sum(1 for e in essays if e.file_upload_id is not None),
            failed=len(self._uploads(batch_id, UploadKind.FAILED)),
        )

    async def mark_ready_published(self, batch_id: str, at: datetime) -> bool:
        batch = self.state.batches[batch_id]
        if batch.ready_published_at is not None:
            return False
        self.state.batches[batch_id] = replace(batch, ready_published_at=at)
        return True

    async def essays_of_batch(self, batch_id: str) -> list[Essay]:
        essays = [e for e in self.state.essays.values() if e.batch_id == batch_id]
        return sorted(essays, key=lambda e: e.slot_index)

    async def failed_uploads(self, batch_id: str) -> list[FailedUploadRecord]:
        return [
            FailedUploadRecord(
                s.upload.file_upload_id, s.upload.file_name, s.error_code or "", s.message or ""
            )
            for s in self._uploads(batch_id, UploadKind.FAILED)
        ]

    async def get_essays(self, essay_ids: Sequence[str]) -> dict[str, Essay]:
        return {e: self.state.essays[e] for e in essay_ids if e in self.state.essays}

    async def set_statuses(
        self, essay_ids: Sequence[str], status: str, at: datetime, *, language: str | None = None
    ) -> None:
        for essay_id in essay_ids:
            essay = self.state.essays[essay_id]
            self.state.essays[essay_id] = replace(
                essay, status=str(status), language=language or essay.language
            )
            self.state.timeline.append((essay_id, str(status)))

    async def record_outcomes(
        self, results: Sequence[tuple[str, PhaseOutcome]], at: datetime
    ) -> None:
        for essay_id, outcome in results:
            self.state.essays[essay_id] = replace(
                self.state.essays[essay_id], status=outcome.status.value, **outcome.changes
            )
            self.state.timeline.append((essay_id, outcome.status.value))

    async def set_batch_language(self, batch_id: str, language: str) -> None:
        self.state.batches[batch_id] = replace(self.state.batches[batch_id], language=language)

    async def delete_batch(self, batch_id: str, deleted_at: datetime) -> bool:
        state = self.state
        state.batches.pop(batch_id, None)
        gone = {e for e, essay in state.essays.items() if essay.batch_id == batch_id}
        state.essays = {e: essay for e, essay in state.essays.items() if e not in gone}
        state.timeline = [(e, s) for e, s in state.timeline if e not in gone]
        state.uploads = {
            u: stored for u, stored in state.uploads.items() if stored.upload.batch_id != batch_id
        }
        if batch_id in state.deleted:
            return False
        state.deleted[batch_id] = deleted_at
        return True

    async def deleted_among(self, batch_ids: Sequence[str]) -> set[str]:
        return {b for b in batch_ids if b in self.state.deleted}


class FakeUnitOfWork:
    """UnitOfWork in memory; `state` is what has been committed.

    One object serves every call of a test: each `async with` works on a fresh copy of the
    committed state, which `commit()` keeps and leaving without it drops (events included).
    """

    def __init__(self) -> None:
        self.state = FakeState()
        self.commits = 0
        self.essays = FakeEssayRepository(self.state)

    async def __aenter__(self) -> Self:
        self.essays = FakeEssayRepository(copy.deepcopy(self.state))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.essays = FakeEssayRepository(self.state)

    def publish(self, data: EventData, correlation_id: str) -> None:
        self.essays.state.published.append((data, correlation_id))

    async def commit(self) -> None:
        self.state = self.essays.state
        self.essays = FakeEssayRepository(copy.deepcopy(self.state))
        self.commits += 1

    def events_of(self, event_type: type[EventData]) -> list[EventData]:
        """Committed events of one type, in order."""
        return [data for data, _ in self.state.published if isinstance(data, event_type)]
