"""In-memory stand-ins for the repository and unit of work (no database, no broker)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self

from common_core.enums import BatchStatus, EssayStatus
from common_core.events import EventData
from services.batch_orchestrator_service.domain import Batch
from services.batch_orchestrator_service.protocols import RecordedResult

# (batch id, pipeline, essay id) -> the recorded result
ResultKey = tuple[str, str, str]


class FakeBatchRepository:
    """Batches and results in dicts; copies on the way in and out, like a real database."""

    def __init__(self) -> None:
        self.batches: dict[str, Batch] = {}
        self.results: dict[ResultKey, RecordedResult] = {}
        # Set to make the next save lose a compare-and-set race.
        self.lose_next_save = False
        # Batch ids in the order they were locked (the lock order across batches matters).
        self.locked: list[str] = []
        self.deleted: dict[str, datetime] = {}

    async def add(self, batch: Batch) -> None:
        self.batches[batch.batch_id] = copy.deepcopy(batch)

    async def get(self, batch_id: str, *, for_update: bool = False) -> Batch | None:
        if for_update:
            self.locked.append(batch_id)
        batch = self.batches.get(batch_id)
        return copy.deepcopy(batch) if batch is not None else None

    async def save(self, batch: Batch, expected_status: BatchStatus) -> bool:
        stored = self.batches[batch.batch_id]
        if self.lose_next_save or stored.status is not expected_status:
            self.lose_next_save = False
            return False
        self.batches[batch.batch_id] = copy.deepcopy(batch)
        return True

    async def save_progress(self, batch: Batch, expected_status: BatchStatus) -> bool:
        """Like `save`, but only the progress fields reach the stored batch, as in SQL."""
        written = copy.deepcopy(self.batches[batch.batch_id])
        written.status, written.updated_at = batch.status, batch.updated_at
        written.pipeline_state = copy.deepcopy(batch.pipeline_state)
        written.class_summary = copy.deepcopy(batch.class_summary)
        return await self.save(written, expected_status)

    async def record_results(
        self, batch_id: str, pipeline: str, results: Mapping[str, RecordedResult]
    ) -> None:
        for essay_id, result in results.items():
            self.results[(batch_id, pipeline, essay_id)] = result

    async def recorded_results(self, batch_id: str) -> dict[str, dict[str, EssayStatus]]:
        found: dict[str, dict[str, EssayStatus]] = {}
        for (b, pipeline, essay_id), result in self.results.items():
            if b == batch_id:
                found.setdefault(pipeline, {})[essay_id] = result.status
        return found

    async def result_metrics(
        self, batch_id: str, pipeline: str
    ) -> list[dict[str, int | float | None]]:
        return [
            dict(r.metrics)
            for (b, p, _), r in self.results.items()
            if (b, p) == (batch_id, pipeline) and r.metrics
        ]

    async def of_teacher(self, teacher_id: str, limit: int) -> list[Batch]:
        mine = [b for b in self.batches.values() if b.teacher_id == teacher_id]
        mine.sort(key=lambda b: (b.created_at, b.batch_id), reverse=True)
        return [copy.deepcopy(b) for b in mine[:limit]]

    async def created_before(self, cutoff: datetime, limit: int) -> list[str]:
        old = sorted((b.created_at, b.batch_id) for b in self.batches.values())
        return [batch_id for created, batch_id in old if created < cutoff][:limit]

    async def delete(self, batch_id: str, deleted_at: datetime) -> None:
        self.batches.pop(batch_id, None)
        self.results = {k: r for k, r in self.results.items() if k[0] != batch_id}
        self.deleted.setdefault(batch_id, deleted_at)

    async def was_deleted(self, batch_id: str) -> bool:
        return batch_id in self.deleted

    def statuses(self, pipeline: str = "spellcheck") -> dict[str, EssayStatus]:
        """Recorded results of one pipeline by essay id (every batch)."""
        return {e: r.status for (_, p, e), r in self.results.items() if p == pipeline}


@dataclass
class Published:
    """An event that went out (only committed units of work publish)."""

    event: EventData
    correlation_id: str


@dataclass
class FakeUnitOfWork:
    """Commits move queued events to `published`; rolled-back work leaves no trace."""

    repo: FakeBatchRepository = field(default_factory=FakeBatchRepository)
    published: list[Published] = field(default_factory=list)
    commits: int = 0
    _pending: list[Published] = field(default_factory=list)
    _snapshot: (
        tuple[dict[str, Batch], dict[ResultKey, RecordedResult], dict[str, datetime]] | None
    ) = None

    @property
    def batches(self) -> FakeBatchRepository:
        return self.repo

    async def __aenter__(self) -> Self:
        self._pending = []
        self._snapshot = (
            copy.deepcopy(self.repo.batches),
            dict(self.repo.results),
            dict(self.repo.deleted),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:  # not committed: roll back
            self.repo.batches, self.repo.results, self.repo.deleted = self._snapshot
        self._pending = []

    def publish(self, event: EventData, correlation_id: str) -> None:
        self._pending.append(Published(event.model_copy(deep=True), correlation_id))

    async def commit(self) -> None:
        self.published.extend(self._pending)
        self._pending = []
        self._snapshot = None
        self.commits += 1

    def events(self, kind: type[EventData]) -> list[EventData]:
        """Published events of one type, in order."""
        return [p.event for p in self.published if isinstance(p.event, kind)]
