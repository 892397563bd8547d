"""Where ELS state is written: the SQL repository of essays, batches, uploads and timelines.

It works inside the transaction of a unit of work (unit_of_work.py). The API reads through
views.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

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
    UploadSource,
)
from services.essay_lifecycle_service.models.orm import (
    BatchRow,
    DeletedBatchRow,
    EssayRow,
    TimelineRow,
    UploadRow,
    as_utc,
    essay_from_row,
)

# The essays table for Core executemany UPDATEs (they take bindparams per row; the ORM's do not).
_ESSAYS = cast(Table, EssayRow.__table__)
_TIMELINE = cast(Table, TimelineRow.__table__)
_BATCHES = cast(Table, BatchRow.__table__)
_PAYLOAD_FIELDS = ("text_storage_id", "content_sha256", "student_name", "student_email")


class SqlEssayRepository:
    """EssayRepository over one SQLAlchemy session in an open transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._dialect = session.get_bind().dialect.name

    def _insert(self, table: Any) -> Any:
        """INSERT with ON CONFLICT support for the dialect in use."""
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    async def lock_batch(self, batch_id: str) -> None:
        if self._dialect == "postgresql":
            # Serialises handlers of one batch, so "count then publish ready" and "store pending
            # then registration collects pendings" cannot interleave under READ COMMITTED.
            await self._session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:batch_id))"), {"batch_id": batch_id}
            )
        # SQLite: the transaction already holds the database write lock (BEGIN IMMEDIATE).

    async def add_batch(self, batch: Batch, registered_at: datetime) -> bool:
        inserted = await self._session.scalar(
            self._insert(BatchRow)
            .values(
                batch_id=batch.batch_id,
                expected_essay_count=batch.expected_essay_count,
                essay_ids=list(batch.essay_ids),
                registered_at=registered_at,
                teacher_id=batch.teacher_id,
            )
            .on_conflict_do_nothing(index_elements=["batch_id"])
            .returning(BatchRow.batch_id)
        )
        if inserted is None:
            return False
        self._session.add_all(
            EssayRow(
                essay_id=essay_id,
                batch_id=batch.batch_id,
                slot_index=index,
                status=AWAITING_CONTENT,
                updated_at=registered_at,
            )
            for index, essay_id in enumerate(batch.essay_ids)
        )
        await self._session.flush()
        return True

    async def get_batch(self, batch_id: str) -> Batch | None:
        # Core, not ORM: read once per call, never changed through the session.
        row = (
            await self._session.execute(select(_BATCHES).where(_BATCHES.c.batch_id == batch_id))
        ).first()
        if row is None:
            return None
        return Batch(
            batch_id=row.batch_id,
            expected_essay_count=row.expected_essay_count,
            essay_ids=list(row.essay_ids),
            ready_published_at=as_utc(row.ready_published_at) if row.ready_published_at else None,
            language=row.language,
            teacher_id=row.teacher_id,
        )

    async def taken_essay_ids(self, essay_ids: Sequence[str]) -> set[str]:
        found = await self._session.scalars(
            select(EssayRow.essay_id).where(EssayRow.essay_id.in_(list(essay_ids)))
        )
        return set(found)

    async def add_uploads(self, uploads: Sequence[Upload]) -> set[str]:
        if not uploads:
            return set()
        # One multi-row INSERT for a whole poll; ON CONFLICT skips ids already recorded (and a
        # repeat inside the same poll), RETURNING says which rows are new.
        inserted = await self._session.scalars(
            self._insert(UploadRow)
            .values(
                [
                    {
                        "file_upload_id": upload.file_upload_id,
                        "batch_id": upload.batch_id,
                        "source": upload.source.value,
                        "kind": UploadKind.PENDING.value,
                        "file_name": upload.file_name,
                        "error_code": upload.error_code,
                        "message": upload.message,
                        "payload": {name: getattr(upload, name) for name in _PAYLOAD_FIELDS},
                        "correlation_id": upload.correlation_id,
                        "received_at": upload.received_at,
                    }
                    for upload in uploads
                ]
            )
            .on_conflict_do_nothing(index_elements=["file_upload_id"])
            .returning(UploadRow.file_upload_id)
        )
        return set(inserted)

    async def set_upload_kinds(
        self,
        file_upload_ids: Sequence[str],
        kind: UploadKind,
        *,
        error_code: str | None = None,
        message: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"kind": kind.value}
        if error_code is not None:
            values.update(error_code=error_code, message=message)
        await self._session.execute(
            update(UploadRow)
            .where(UploadRow.file_upload_id.in_(list(file_upload_ids)))
            .values(**values),
            execution_options={"synchronize_session": False},
        )

    async def pending_uploads(self, batch_id: str) -> list[Upload]:
        rows = await self._session.scalars(
            select(UploadRow)
            .where(UploadRow.batch_id == batch_id, UploadRow.kind == UploadKind.PENDING.value)
            .order_by(UploadRow.received_at, UploadRow.file_upload_id)
        )
        return [
            Upload(
                file_upload_id=row.file_upload_id,
                batch_id=row.batch_id,
                source=UploadSource(row.source),
                file_name=row.file_name,
                received_at=as_utc(row.received_at),
                correlation_id=row.correlation_id,
                error_code=row.error_code,
                message=row.message,
                **{name: row.payload.get(name) for name in _PAYLOAD_FIELDS},
            )
            for row in rows
        ]

    async def free_slots(self, batch_id: str) -> list[str]:
        found = await self._session.scalars(
            select(EssayRow.essay_id)
            .where(EssayRow.batch_id == batch_id, EssayRow.file_upload_id.is_(None))
            .order_by(EssayRow.slot_index)
        )
        return list(found)

    async def assigned_content_hashes(self, batch_id: str) -> set[str]:
        found = await self._session.scalars(
            select(EssayRow.content_sha256).where(
                EssayRow.batch_id == batch_id, EssayRow.content_sha256.is_not(None)
            )
        )
        return {h for h in found if h}

    async def claim_slots(self, claims: Sequence[tuple[str, Upload]]) -> None:
        if not claims:
            return
        # One executemany of guarded UPDATEs: a slot is claimed only while still free. The
        # batch lock makes "no longer free" impossible today; the guard and the check below
        # keep it a rolled-back retry rather than two texts in one slot if that ever changes.
        await self._session.execute(
            update(_ESSAYS)
            .where(_ESSAYS.c.essay_id == bindparam("slot"), _ESSAYS.c.file_upload_id.is_(None))
            .values(
                file_upload_id=bindparam("upload_id"),
                original_file_name=bindparam("file_name"),
                student_name=bindparam("name"),
                student_email=bindparam("email"),
                text_storage_id=bindparam("text_id"),
                content_sha256=bindparam("sha"),
                updated_at=bindparam("at"),
            ),
            [
                {
                    "slot": essay_id,
                    "upload_id": upload.file_upload_id,
                    "file_name": upload.file_name,
                    "name": upload.student_name,
                    "email": upload.student_email,
                    "text_id": upload.text_storage_id,
                    "sha": upload.content_sha256,
                    "at": upload.received_at,
                }
                for essay_id, upload in claims
            ],
        )
        claimed = await self._session.scalar(
            select(func.count())
            .select_from(EssayRow)
            .where(
                tuple_(EssayRow.essay_id, EssayRow.file_upload_id).in_(
                    [(essay_id, upload.file_upload_id) for essay_id, upload in claims]
                )
            )
        )
        if claimed != len(claims):
            raise SlotTakenError(f"{len(claims) - int(claimed or 0)} slot(s) were taken meanwhile")

    async def slot_counts(self, batch_id: str) -> SlotCounts:
        assigned = await self._session.scalar(
            select(func.count())
            .select_from(EssayRow)
            .where(EssayRow.batch_id == batch_id, EssayRow.file_upload_id.is_not(None))
        )
        failed = await self._session.scalar(
            select(func.count())
            .select_from(UploadRow)
            .where(UploadRow.batch_id == batch_id, UploadRow.kind == UploadKind.FAILED.value)
        )
        return SlotCounts(assigned=int(assigned or 0), failed=int(failed or 0))

    async def mark_ready_published(self, batch_id: str, at: datetime) -> bool:
        marked = await self._session.scalar(
            update(BatchRow)
            .where(BatchRow.batch_id == batch_id, BatchRow.ready_published_at.is_(None))
            .values(ready_published_at=at)
            .returning(BatchRow.batch_id)
        )
        return marked is not None

    async def essays_of_batch(self, batch_id: str) -> list[Essay]:
        rows = await self._session.execute(
            select(_ESSAYS).where(_ESSAYS.c.batch_id == batch_id).order_by(_ESSAYS.c.slot_index)
        )
        return [essay_from_row(row) for row in rows]

    async def failed_uploads(self, batch_id: str) -> list[FailedUploadRecord]:
        rows = await self._session.scalars(
            select(UploadRow)
            .where(UploadRow.batch_id == batch_id, UploadRow.kind == UploadKind.FAILED.value)
            .order_by(UploadRow.received_at, UploadRow.file_upload_id)
        )
        return [
            FailedUploadRecord(
                file_upload_id=row.file_upload_id,
                file_name=row.file_name,
                error_code=row.error_code or "",
                message=row.message or "",
            )
            for row in rows
        ]

    async def get_essays(self, essay_ids: Sequence[str]) -> dict[str, Essay]:
        # Core rows: the ORM's identity map cost more than the query for a poll's essays.
        rows = await self._session.execute(
            select(_ESSAYS).where(_ESSAYS.c.essay_id.in_(list(essay_ids)))
        )
        return {row.essay_id: essay_from_row(row) for row in rows}

    async def set_statuses(
        self, essay_ids: Sequence[str], status: str, at: datetime, *, language: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "updated_at": at}
        if language is not None:
            values["language"] = language
        # One statement for a whole batch's essays (the spellcheck command moves them all).
        await self._session.execute(
            update(_ESSAYS).where(_ESSAYS.c.essay_id.in_(list(essay_ids))).values(**values)
        )
        await self._add_timeline([(e, status) for e in essay_ids], at)

    async def record_outcomes(
        self, results: Sequence[tuple[str, PhaseOutcome]], at: datetime
    ) -> None:
        if not results:
            return
        # One executemany per shape of outcome (a phase's results all change the same fields;
        # a failure recorded without a result may change fewer).
        shapes: dict[tuple[str, ...], list[tuple[str, PhaseOutcome]]] = {}
        for essay_id, outcome in results:
            shapes.setdefault(tuple(sorted(outcome.changes)), []).append((essay_id, outcome))
        for fields, rows in shapes.items():
            await self._session.execute(
                update(_ESSAYS)
                .where(_ESSAYS.c.essay_id == bindparam("essay_v"))
                .values(
                    status=bindparam("status_v"),
                    updated_at=at,
                    **{name: bindparam(f"{name}_v") for name in fields},
                ),
                [
                    {
                        "essay_v": essay_id,
                        "status_v": outcome.status.value,
                        **{f"{name}_v": outcome.changes[name] for name in fields},
                    }
                    for essay_id, outcome in rows
                ],
            )
        await self._add_timeline(
            [(essay_id, outcome.status.value) for essay_id, outcome in results], at
        )

    async def _add_timeline(self, entries: Sequence[tuple[str, str]], at: datetime) -> None:
        """One Core executemany INSERT of timeline rows (ORM objects cost ~10x more per row)."""
        if entries:
            await self._session.execute(
                insert(_TIMELINE),
                [{"essay_id": essay, "status": status, "at": at} for essay, status in entries],
            )

    async def set_batch_language(self, batch_id: str, language: str) -> None:
        await self._session.execute(
            update(BatchRow).where(BatchRow.batch_id == batch_id).values(language=language)
        )

    async def delete_batch(self, batch_id: str, deleted_at: datetime) -> bool:
        # Children first, explicitly: SQLite enforces foreign keys only with a pragma.
        essay_ids = select(EssayRow.essay_id).where(EssayRow.batch_id == batch_id)
        await self._session.execute(delete(TimelineRow).where(TimelineRow.essay_id.in_(essay_ids)))
        await self._session.execute(delete(EssayRow).where(EssayRow.batch_id == batch_id))
        await self._session.execute(delete(UploadRow).where(UploadRow.batch_id == batch_id))
        await self._session.execute(delete(BatchRow).where(BatchRow.batch_id == batch_id))
        remembered = await self._session.scalar(
            self._insert(DeletedBatchRow)
            .values(batch_id=batch_id, deleted_at=deleted_at)
            .on_conflict_do_nothing(index_elements=["batch_id"])
            .returning(DeletedBatchRow.batch_id)
        )
        return remembered is not None

    async def deleted_among(self, batch_ids: Sequence[str]) -> set[str]:
        found = await self._session.scalars(
            select(DeletedBatchRow.batch_id).where(DeletedBatchRow.batch_id.in_(list(batch_ids)))
        )
        return set(found)
