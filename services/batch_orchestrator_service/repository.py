"""Where BOS state is written: the SQL batch repository and BOS's unit of work (outbox-backed)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from pydantic import TypeAdapter
from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.enums import BatchStatus, CourseCode, EssayStatus, Language
from common_core.events import EssayProcessingInputRef, FailedUpload
from common_core.metadata import utc_now
from common_core.migrations import upgrade_to_head
from common_core.pipeline import ProcessingPipelineState
from common_core.unit_of_work import OutboxUnitOfWork, OutboxUnitOfWorkFactory
from services.batch_orchestrator_service.config import SERVICE_NAME
from services.batch_orchestrator_service.domain import Batch, EssayIdsInUseError
from services.batch_orchestrator_service.models.orm import (
    BatchEssayRow,
    BatchRow,
    DeletedBatchRow,
    PhaseResultRow,
)
from services.batch_orchestrator_service.protocols import RecordedResult

# BOS's Alembic environment; revision 0001 creates exactly the tables of models/orm.py.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


async def migrate_schema(engine: AsyncEngine) -> None:
    """Bring BOS's database to its newest migration (tables and outbox); safe on every start."""
    await upgrade_to_head(engine.url, MIGRATIONS)


# Whole lists in one pydantic-core call each: a batch's ~200 ready essays are loaded and saved
# on every poll of results, and one model_validate/model_dump per item showed up in profiles.
_READY_ESSAYS = TypeAdapter(list[EssayProcessingInputRef])
_FAILED_UPLOADS = TypeAdapter(list[FailedUpload])
_BATCHES = cast(Table, BatchRow.__table__)


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything BOS stores is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _to_domain(row: Any) -> Batch:
    """The domain batch of a BatchRow or of a Core row of the batches table (same names)."""
    return Batch(
        batch_id=row.id,
        status=BatchStatus(row.status),
        course_code=CourseCode(row.course_code),
        class_designation=row.class_designation,
        essay_instructions=row.essay_instructions,
        language=Language(row.language),
        expected_essay_count=row.expected_essay_count,
        essay_ids=list(row.essay_ids),
        requested_pipelines=list(row.requested_pipelines),
        pipeline_state=ProcessingPipelineState.model_validate(row.pipeline_state),
        failed_uploads=_FAILED_UPLOADS.validate_python(row.failed_uploads),
        ready_essays=_READY_ESSAYS.validate_python(row.ready_essays),
        class_summary=row.class_summary,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
        teacher_id=row.teacher_id,
    )


def _progress_columns(batch: Batch) -> dict[str, Any]:
    """Columns recording results may change: where the pipelines stand."""
    return {
        "status": batch.status.value,
        "pipeline_state": batch.pipeline_state.model_dump(mode="json"),
        "class_summary": batch.class_summary,
        "updated_at": batch.updated_at,
    }


def _mutable_columns(batch: Batch) -> dict[str, Any]:
    """Columns a handler may change after registration."""
    return {
        **_progress_columns(batch),
        "language": batch.language.value,
        "requested_pipelines": list(batch.requested_pipelines),
        "failed_uploads": _FAILED_UPLOADS.dump_python(batch.failed_uploads, mode="json"),
        "ready_essays": _READY_ESSAYS.dump_python(batch.ready_essays, mode="json"),
    }


class SqlBatchRepository:
    """BatchRepository over one SQLAlchemy session (the unit of work's transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, batch: Batch) -> None:
        """Store a new batch; raises EssayIdsInUseError if another batch has one of its ids."""
        self._session.add(
            BatchRow(
                id=batch.batch_id,
                course_code=batch.course_code.value,
                class_designation=batch.class_designation,
                essay_instructions=batch.essay_instructions,
                expected_essay_count=batch.expected_essay_count,
                essay_ids=list(batch.essay_ids),
                created_at=batch.created_at,
                teacher_id=batch.teacher_id,
                **_mutable_columns(batch),
            )
        )
        # No ORM relationship orders these inserts, so the batch row goes first explicitly.
        await self._session.flush()
        self._session.add_all(
            BatchEssayRow(essay_id=essay_id, batch_id=batch.batch_id)
            for essay_id in batch.essay_ids
        )
        try:
            await self._session.flush()
        except IntegrityError as exc:
            raise EssayIdsInUseError("an essay id is already used by another batch") from exc

    async def get(self, batch_id: str, *, for_update: bool = False) -> Batch | None:
        """The batch, or None when it was never registered.

        `for_update` locks the batch until the transaction ends, so two handlers of one batch
        (its events arrive on two topics, handled concurrently) never decide on stale state.
        """
        # Core, not ORM: the row is turned into a Batch at once and saved with a Core UPDATE.
        query = select(_BATCHES).where(_BATCHES.c.id == batch_id)
        if for_update:
            if self._dialect() == "sqlite":
                # SQLite has no row locks and the driver starts a transaction only at the first
                # write: a no-op UPDATE takes the database write lock before we read.
                await self._session.execute(
                    update(BatchRow)
                    .where(BatchRow.id == batch_id)
                    .values(status=BatchRow.status)
                    .execution_options(synchronize_session=False)
                )
            else:
                query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        return _to_domain(row) if row is not None else None

    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    async def save(self, batch: Batch, expected_status: BatchStatus) -> bool:
        """Compare-and-set on status: a concurrent transition makes this return False."""
        return await self._compare_and_set(batch, expected_status, _mutable_columns(batch))

    async def save_progress(self, batch: Batch, expected_status: BatchStatus) -> bool:
        """`save` of the progress columns only: a poll of results leaves the ~200 ready
        essays (and the rest of the registration) as they are, so they are not dumped and
        rewritten on every poll."""
        return await self._compare_and_set(batch, expected_status, _progress_columns(batch))

    async def _compare_and_set(
        self, batch: Batch, expected_status: BatchStatus, columns: dict[str, Any]
    ) -> bool:
        result = await self._session.execute(
            update(BatchRow)
            .where(BatchRow.id == batch.batch_id, BatchRow.status == expected_status.value)
            .values(**columns)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def record_results(
        self, batch_id: str, pipeline: str, results: Mapping[str, RecordedResult]
    ) -> None:
        """Upsert one pipeline's results in one statement; an identical redelivery writes
        nothing."""
        if not results:
            return
        insert = sqlite_insert if self._dialect() == "sqlite" else pg_insert
        now = utc_now()
        stmt = insert(PhaseResultRow).values(
            [
                {
                    "batch_id": batch_id,
                    "pipeline": pipeline,
                    "essay_id": essay_id,
                    "status": result.status.value,
                    "metrics": dict(result.metrics) if result.metrics is not None else None,
                    "recorded_at": now,
                }
                for essay_id, result in results.items()
            ]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[
                PhaseResultRow.batch_id,
                PhaseResultRow.pipeline,
                PhaseResultRow.essay_id,
            ],
            set_={
                "status": stmt.excluded.status,
                "metrics": stmt.excluded.metrics,
                "recorded_at": stmt.excluded.recorded_at,
            },
            where=PhaseResultRow.status != stmt.excluded.status,
        )
        await self._session.execute(stmt)

    async def recorded_results(self, batch_id: str) -> dict[str, dict[str, EssayStatus]]:
        """Every result row of the batch, by pipeline and essay id (a few hundred per phase)."""
        rows = await self._session.execute(
            select(PhaseResultRow.pipeline, PhaseResultRow.essay_id, PhaseResultRow.status).where(
                PhaseResultRow.batch_id == batch_id
            )
        )
        results: dict[str, dict[str, EssayStatus]] = {}
        for pipeline, essay_id, status in rows:
            results.setdefault(pipeline, {})[essay_id] = EssayStatus(status)
        return results

    async def result_metrics(
        self, batch_id: str, pipeline: str
    ) -> list[dict[str, int | float | None]]:
        """The metrics recorded with the pipeline's results (successful ones carry them)."""
        found = await self._session.scalars(
            select(PhaseResultRow.metrics).where(
                PhaseResultRow.batch_id == batch_id,
                PhaseResultRow.pipeline == pipeline,
                PhaseResultRow.metrics.is_not(None),
            )
        )
        return [dict(metrics) for metrics in found if metrics]

    async def of_teacher(self, teacher_id: str, limit: int) -> list[Batch]:
        """The teacher's batches, newest first, at most `limit`."""
        rows = await self._session.scalars(
            select(BatchRow)
            .where(BatchRow.teacher_id == teacher_id)
            .order_by(BatchRow.created_at.desc(), BatchRow.id)
            .limit(limit)
        )
        return [_to_domain(row) for row in rows]

    async def created_before(self, cutoff: datetime, limit: int) -> list[str]:
        """Ids of batches registered before `cutoff`, oldest first, at most `limit`."""
        found = await self._session.scalars(
            select(BatchRow.id)
            .where(BatchRow.created_at < cutoff)
            .order_by(BatchRow.created_at, BatchRow.id)
            .limit(limit)
        )
        return list(found)

    async def delete(self, batch_id: str, deleted_at: datetime) -> None:
        """Remove the batch and every row of it, and remember that it was deleted.

        Children are deleted explicitly: SQLite enforces ON DELETE CASCADE only with a pragma.
        """
        for table in (PhaseResultRow, BatchEssayRow):
            await self._session.execute(delete(table).where(table.batch_id == batch_id))
        await self._session.execute(delete(BatchRow).where(BatchRow.id == batch_id))
        insert = sqlite_insert if self._dialect() == "sqlite" else pg_insert
        await self._session.execute(
            insert(DeletedBatchRow)
            .values(batch_id=batch_id, deleted_at=deleted_at)
            .on_conflict_do_nothing(index_elements=[DeletedBatchRow.batch_id])
        )

    async def was_deleted(self, batch_id: str) -> bool:
        """True when the batch existed and was deleted."""
        found = await self._session.scalar(
            select(DeletedBatchRow.batch_id).where(DeletedBatchRow.batch_id == batch_id)
        )
        return found is not None


class SqlUnitOfWork(OutboxUnitOfWork):
    """BOS's unit of work: the batches repository on one transaction, events to the outbox."""

    batches: SqlBatchRepository

    def opened(self, session: AsyncSession) -> None:
        """The repository reads and writes inside this transaction."""
        self.batches = SqlBatchRepository(session)


class SqlUnitOfWorkFactory(OutboxUnitOfWorkFactory[SqlUnitOfWork]):
    """A fresh SqlUnitOfWork per request or consumed message, on one session factory."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(SqlUnitOfWork, sessions, SERVICE_NAME, on_events_committed)
