"""Read views for the API: SQL straight to the contract's JSON shapes (docs/architecture.md).

Nothing is written here; the worker owns the writes (repository.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.essay_lifecycle_service.domain import UploadKind
from services.essay_lifecycle_service.models.orm import (
    BatchRow,
    EssayRow,
    TimelineRow,
    UploadRow,
    as_utc,
)

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class EssayTextIds:
    """Where an essay's texts are in Content Service (None: not produced yet)."""

    original: str | None
    corrected: str | None
    corrections_log: str | None


class EssayViews:
    """Answers the ELS API's questions from the shared database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def is_healthy(self) -> bool:
        """True when the database answers `SELECT 1`."""
        try:
            async with self._sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception:  # any failure means "database not reachable" for a health check
            return False
        return True

    async def essay(self, essay_id: str, teacher_id: str) -> JsonDict | None:
        """One essay with its references, spellcheck outcome and timeline; None if unknown or
        not `teacher_id`'s."""
        async with self._sessions() as session:
            row = await _owned_essay(session, essay_id, teacher_id)
            if row is None:
                return None
            timelines = await _timelines(session, [essay_id])
        return _essay_summary(row, timelines[essay_id])

    async def essay_text_ids(self, essay_id: str, teacher_id: str) -> EssayTextIds | None:
        """The storage ids of an essay's texts; None if the essay is unknown or not
        `teacher_id`'s."""
        async with self._sessions() as session:
            row = await _owned_essay(session, essay_id, teacher_id)
        if row is None:
            return None
        return EssayTextIds(
            original=row.text_storage_id,
            corrected=row.corrected_text_storage_id,
            corrections_log=row.spellcheck_log_storage_id,
        )

    async def batch_essays(self, batch_id: str, teacher_id: str) -> JsonDict | None:
        """Every slot of the batch, its failed, excess and duplicate uploads; None if unknown
        or not `teacher_id`'s."""
        async with self._sessions() as session:
            batch = await session.get(BatchRow, batch_id)
            if batch is None or batch.teacher_id is None or batch.teacher_id != teacher_id:
                return None
            essays = (
                await session.scalars(
                    select(EssayRow)
                    .where(EssayRow.batch_id == batch_id)
                    .order_by(EssayRow.slot_index)
                )
            ).all()
            timelines = await _timelines(session, [e.essay_id for e in essays])
            uploads = (
                await session.scalars(
                    select(UploadRow)
                    .where(
                        UploadRow.batch_id == batch_id,
                        UploadRow.kind.in_(
                            [UploadKind.FAILED, UploadKind.EXCESS, UploadKind.DUPLICATE]
                        ),
                    )
                    .order_by(UploadRow.received_at, UploadRow.file_upload_id)
                )
            ).all()
        return {
            "batch_id": batch.batch_id,
            "expected_essay_count": batch.expected_essay_count,
            "language": batch.language,
            "ready": batch.ready_published_at is not None,
            "essays": [_essay_summary(e, timelines[e.essay_id]) for e in essays],
            "failed_uploads": [
                {
                    "file_upload_id": u.file_upload_id,
                    "file_name": u.file_name,
                    "error_code": u.error_code,
                    "message": u.message,
                }
                for u in uploads
                if u.kind == UploadKind.FAILED.value
            ],
            "excess_uploads": [
                {
                    "file_upload_id": u.file_upload_id,
                    "file_name": u.file_name,
                    "received_at": as_utc(u.received_at).isoformat(),
                }
                for u in uploads
                if u.kind == UploadKind.EXCESS.value
            ],
            "duplicate_uploads": [
                {
                    "file_upload_id": u.file_upload_id,
                    "file_name": u.file_name,
                    "received_at": as_utc(u.received_at).isoformat(),
                }
                for u in uploads
                if u.kind == UploadKind.DUPLICATE.value
            ],
        }


async def _owned_essay(session: AsyncSession, essay_id: str, teacher_id: str) -> EssayRow | None:
    """The essay when its batch is `teacher_id`'s; None for an unknown id or anyone else's."""
    found: EssayRow | None = await session.scalar(
        select(EssayRow)
        .join(BatchRow, BatchRow.batch_id == EssayRow.batch_id)
        .where(EssayRow.essay_id == essay_id, BatchRow.teacher_id == teacher_id)
    )
    return found


async def _timelines(session: AsyncSession, essay_ids: Sequence[str]) -> dict[str, list[JsonDict]]:
    rows = await session.scalars(
        select(TimelineRow)
        .where(TimelineRow.essay_id.in_(list(essay_ids)))
        .order_by(TimelineRow.id)
    )
    timelines: dict[str, list[JsonDict]] = defaultdict(list)
    for row in rows:
        timelines[row.essay_id].append({"status": row.status, "at": as_utc(row.at).isoformat()})
    return timelines


def _essay_summary(row: EssayRow, timeline: list[JsonDict]) -> JsonDict:
    references: JsonDict = {"original_essay": row.text_storage_id}
    if row.corrected_text_storage_id:
        references["corrected_text"] = row.corrected_text_storage_id
    if row.spellcheck_log_storage_id:
        references["spellcheck_log"] = row.spellcheck_log_storage_id
    if row.nlp_metrics_storage_id:
        references["nlp_metrics"] = row.nlp_metrics_storage_id
    summary: JsonDict = {
        "essay_id": row.essay_id,
        "batch_id": row.batch_id,
        "status": row.status,
        "file_upload_id": row.file_upload_id,
        "original_file_name": row.original_file_name,
        "student_name": row.student_name,
        "student_email": row.student_email,
        "storage_references": references,
        "timeline": timeline,
    }
    if row.language is not None:  # spellcheck was requested for this essay
        spellcheck: JsonDict = {
            "language": row.language,
            "corrections_made": row.corrections_made,
        }
        if row.error:
            spellcheck["error"] = row.error
        summary["spellcheck"] = spellcheck
    if row.nlp_metrics is not None:  # the NLP phase succeeded: its metrics, as stored
        summary["nlp"] = row.nlp_metrics
    if row.nlp_error:
        summary["nlp_error"] = row.nlp_error
    return summary
