"""The seams between ELS's decisions (handlers) and its storage (repository, or fakes in tests)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from common_core.events import EventData
from services.essay_lifecycle_service.domain import (
    Batch,
    Essay,
    FailedUploadRecord,
    PhaseOutcome,
    SlotCounts,
    Upload,
    UploadKind,
)


class EssayRepository(Protocol):
    """Batches, their essay slots and the uploads ELS was told about, inside one transaction."""

    async def lock_batch(self, batch_id: str) -> None:
        """Serialise work on one batch until the transaction ends (no-op if already exclusive)."""
        ...

    async def add_batch(self, batch: Batch, registered_at: datetime) -> bool:
        """Store a batch and one empty slot per essay id; False when the batch already exists."""
        ...

    async def get_batch(self, batch_id: str) -> Batch | None:
        """The batch, or None when it is not registered (yet)."""
        ...

    async def taken_essay_ids(self, essay_ids: Sequence[str]) -> set[str]:
        """Those of `essay_ids` that already exist (in any batch)."""
        ...

    async def add_uploads(self, uploads: Sequence[Upload]) -> set[str]:
        """Record uploads as pending; returns the ids that were new (a seen id writes nothing)."""
        ...

    async def set_upload_kinds(
        self,
        file_upload_ids: Sequence[str],
        kind: UploadKind,
        *,
        error_code: str | None = None,
        message: str | None = None,
    ) -> None:
        """Record what became of uploads (and why, when they failed)."""
        ...

    async def pending_uploads(self, batch_id: str) -> list[Upload]:
        """Uploads kept for a batch that was not registered when they came, oldest first."""
        ...

    async def free_slots(self, batch_id: str) -> list[str]:
        """Essay ids of the batch's slots without content, in slot order."""
        ...

    async def assigned_content_hashes(self, batch_id: str) -> set[str]:
        """SHA-256 of every text already in a slot of the batch."""
        ...

    async def claim_slots(self, claims: Sequence[tuple[str, Upload]]) -> None:
        """Put each upload's content into its (essay id) slot.

        Raises SlotTakenError when a slot is no longer free, so the transaction rolls back and
        the decision is made again; a slot is taken by at most one upload, and an upload takes
        at most one slot.
        """
        ...

    async def slot_counts(self, batch_id: str) -> SlotCounts:
        """Slots holding content and uploads that failed, for the readiness rule."""
        ...

    async def mark_ready_published(self, batch_id: str, at: datetime) -> bool:
        """Claim the one-time BatchEssaysReady; True only for the first caller."""
        ...

    async def essays_of_batch(self, batch_id: str) -> list[Essay]:
        """Every slot of the batch in slot order."""
        ...

    async def failed_uploads(self, batch_id: str) -> list[FailedUploadRecord]:
        """The batch's failed uploads, oldest first."""
        ...

    async def get_essays(self, essay_ids: Sequence[str]) -> dict[str, Essay]:
        """The essays that exist among `essay_ids`, by id."""
        ...

    async def set_statuses(
        self, essay_ids: Sequence[str], status: str, at: datetime, *, language: str | None = None
    ) -> None:
        """Change essays' status (and language if given) and add it to their timelines."""
        ...

    async def record_outcomes(
        self, results: Sequence[tuple[str, PhaseOutcome]], at: datetime
    ) -> None:
        """Store phase results on their (essay id) essays and add them to the timelines."""
        ...

    async def set_batch_language(self, batch_id: str, language: str) -> None:
        """Remember the language the batch is being checked in."""
        ...

    async def delete_batch(self, batch_id: str, deleted_at: datetime) -> bool:
        """Remove the batch, its essays, their timelines and its uploads (pending ones too),
        and remember the id as deleted; False when it was already remembered."""
        ...

    async def deleted_among(self, batch_ids: Sequence[str]) -> set[str]:
        """Those of `batch_ids` that were deleted: whatever still arrives for them is dropped."""
        ...


class UnitOfWork(Protocol):
    """One transaction: state changes and the events reporting them commit together.

    Events go through `publish`, which stores them in the transactional outbox, so an event
    exists exactly when the state change it reports was committed. Leaving the block without
    `commit()` rolls everything back.
    """

    @property
    def essays(self) -> EssayRepository:
        """The repository, read and written inside this transaction."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    def publish(self, data: EventData, correlation_id: str) -> None:
        """Emit an event when (and only if) this transaction commits."""
        ...

    async def commit(self) -> None:
        """Commit state and queued events atomically."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per consumed message (or poll)."""

    def __call__(self) -> UnitOfWork: ...
