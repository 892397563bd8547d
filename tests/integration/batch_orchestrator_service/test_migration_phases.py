"""Revision 0002 on a database holding a finished spellcheck batch from before phases: its
results move to the per-pipeline table and the batch still loads (old status names included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from common_core.db import create_engine, session_factory
from common_core.enums import EssayStatus, PipelineExecutionStatus
from common_core.migrations import alembic_config, upgrade_to_head
from services.batch_orchestrator_service.repository import MIGRATIONS, SqlBatchRepository

OLD_STATE = {
    "requested_pipelines": ["spellcheck"],
    "spellcheck": {
        "status": "partially_completed",
        "essay_counts": {"total": 2, "successful": 1, "failed": 1, "pending": 0},
        "started_at": None,
        "completed_at": None,
    },
}


def old_batch(connection: Connection) -> None:
    command.upgrade(alembic_config(MIGRATIONS, connection), "0001")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    connection.execute(
        text(
            "INSERT INTO batches (id, status, course_code, class_designation, essay_instructions,"
            " language, expected_essay_count, essay_ids, requested_pipelines, pipeline_state,"
            " failed_uploads, ready_essays, created_at, updated_at) VALUES ('b1',"
            " 'partially_completed', 'ENG5', '9A', 'x', 'en', 2, :ids, :pipelines, :state, '[]',"
            " :ready, :now, :now)"
        ),
        {
            "ids": json.dumps(["e1", "e2"]),
            "pipelines": json.dumps(["spellcheck"]),
            "state": json.dumps(OLD_STATE),
            "ready": json.dumps([{"essay_id": e, "text_storage_id": "t"} for e in ("e1", "e2")]),
            "now": now,
        },
    )
    for essay_id, status in (("e1", "spellchecked_success"), ("e2", "spellcheck_failed")):
        connection.execute(
            text(
                "INSERT INTO essay_results (batch_id, essay_id, status, recorded_at) "
                "VALUES ('b1', :e, :s, :now)"
            ),
            {"e": essay_id, "s": status, "now": now},
        )


async def test_old_results_become_spellcheck_results_and_the_batch_loads(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(old_batch)
        await upgrade_to_head(database_url, MIGRATIONS)
        async with session_factory(engine)() as session:
            repository = SqlBatchRepository(session)
            results = await repository.recorded_results("b1")
            batch = await repository.get("b1")
    finally:
        await engine.dispose()

    assert results == {
        "spellcheck": {"e1": EssayStatus.SPELLCHECKED_SUCCESS, "e2": EssayStatus.SPELLCHECK_FAILED}
    }
    assert batch is not None and batch.class_summary is None
    detail = batch.pipeline_state.detail("spellcheck")
    assert detail.status is PipelineExecutionStatus.COMPLETED_WITH_FAILURES
    assert detail.essay_counts.skipped == 0
