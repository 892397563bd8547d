"""The seams between BOS's decisions and its I/O; SQL implements them, unit tests fake them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import NamedTuple, Protocol, Self

from common_core.enums import BatchStatus, EssayStatus
from common_core.events import EventData
from services.batch_orchestrator_service.domain import Batch


class RecordedResult(NamedTuple):
    """One essay's result in one pipeline, with the metrics a successful one measured."""

    status: EssayStatus
    metrics: Mapping[str, int | float | None] | None = None


class BatchRepository(Protocol):
    """Batches and their essays' results, per pipeline."""

    async def add(self, batch: Batch) -> None:
        """Store a new batch."""

    async def get(self, batch_id: str, *, for_update: bool = False) -> Batch | None:
        """The batch, or None when BOS never registered it; `for_update` locks it until commit."""

    async def save(self, batch: Batch, expected_status: BatchStatus) -> bool:
        """Write the batch's mutable state only if its stored status is still `expected_status`.

        Returns False when another writer moved the batch on first (compare-and-set).
        """

    async def save_progress(self, batch: Batch, expected_status: BatchStatus) -> bool:
        """`save` of what recording results changes only: status, pipeline state, class
        summary and `updated_at` (the ready essays and the registration stay as stored)."""

    async def record_results(
        self, batch_id: str, pipeline: str, results: Mapping[str, RecordedResult]
    ) -> None:
        """Record one pipeline's results by essay id; the same result again changes nothing."""

    async def recorded_results(self, batch_id: str) -> dict[str, dict[str, EssayStatus]]:
        """Every result recorded for the batch: pipeline -> essay id -> status."""

    async def result_metrics(
        self, batch_id: str, pipeline: str
    ) -> list[dict[str, int | float | None]]:
        """The metrics of the pipeline's successful results that carry some (one per essay)."""

    async def of_teacher(self, teacher_id: str, limit: int) -> list[Batch]:
        """The teacher's batches, newest first, at most `limit`."""

    async def created_before(self, cutoff: datetime, limit: int) -> list[str]:
        """Ids of batches registered before `cutoff`, oldest first, at most `limit`."""

    async def delete(self, batch_id: str, deleted_at: datetime) -> None:
        """Remove the batch and all its rows; remember it was deleted (see `was_deleted`)."""

    async def was_deleted(self, batch_id: str) -> bool:
        """True when the batch existed and was deleted: its late events are dropped."""


class UnitOfWork(Protocol):
    """One transaction: state changes and the events reporting them commit together."""

    @property
    def batches(self) -> BatchRepository:
        """The batches, read and written inside this transaction."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    def publish(self, event: EventData, correlation_id: str) -> None:
        """Queue an event to go out if, and only if, this unit of work commits."""

    async def commit(self) -> None:
        """Commit state and queued events atomically."""


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per request or per consumed message."""

    def __call__(self) -> UnitOfWork: ...
