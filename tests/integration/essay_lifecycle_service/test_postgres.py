"""The same slot rules on PostgreSQL (compose's database): three writers racing on one batch.

Runs on the session's throwaway server (tests/support/postgres.py); SQLite is covered by the
other tests.
"""

from __future__ import annotations

import asyncio

from common_core.db import session_factory
from common_core.outbox import OutboxMessage
from services.essay_lifecycle_service.handlers import (
    assign_content_to_slot,
    record_validation_failure,
    register_batch,
)
from services.essay_lifecycle_service.models.orm import migrate_schema
from services.essay_lifecycle_service.phase_handlers import (
    record_spellcheck_result,
    start_spellcheck,
)
from services.essay_lifecycle_service.unit_of_work import SqlUnitOfWorkFactory, create_writer_engine
from services.essay_lifecycle_service.views import EssayViews
from tests.support.els_events import (
    TEACHER_ID,
    content_ready,
    new_id,
    registered,
    spellcheck_command,
    spellcheck_result,
    validation_failed,
)


async def test_concurrent_registration_duplicates_and_rivals_on_postgres(postgres_url: str) -> None:
    engines = [create_writer_engine(postgres_url) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate_schema(engine) for engine in engines))  # racing starts
        stores = [SqlUnitOfWorkFactory.for_engine(engine) for engine in engines]
        batch_id = new_id("pg")
        early, duplicate = content_ready(batch_id), content_ready(batch_id)
        rivals = [content_ready(batch_id) for _ in range(3)]
        await asyncio.gather(
            assign_content_to_slot(early, "c", stores[0]()),
            register_batch(registered(batch_id, 3), "c", stores[1]()),
            *(assign_content_to_slot(duplicate, "c", stores[i % 3]()) for i in range(6)),
            *(assign_content_to_slot(r, "c", stores[i % 3]()) for i, r in enumerate(rivals)),
            record_validation_failure(validation_failed(batch_id), "c", stores[2]()),
        )
        views = EssayViews(session_factory(engines[0]))
        view = await views.batch_essays(batch_id, TEACHER_ID)
        assert view is not None and view["ready"]
        holders = [e["file_upload_id"] for e in view["essays"] if e["file_upload_id"]]
        placed = len(holders) + len(view["failed_uploads"])
        assert placed == 3 and len(set(holders)) == len(holders)
        assert placed + len(view["excess_uploads"]) == 1 + 1 + len(rivals) + 1  # all uploads
        async with session_factory(engines[0])() as session:
            ready_rows = (
                await session.scalars(
                    OutboxMessage.__table__.select().where(
                        OutboxMessage.key == batch_id, OutboxMessage.topic.like("%ready%")
                    )
                )
            ).all()
        assert len(ready_rows) == 1

        essay_id = next(e["essay_id"] for e in view["essays"] if e["file_upload_id"])
        await start_spellcheck(spellcheck_command(batch_id, [(essay_id, "t")]), "c", stores[0]())
        await asyncio.gather(
            *(
                record_spellcheck_result(spellcheck_result(batch_id, essay_id), "c", stores[i]())
                for i in range(3)
            )
        )
        essay = await views.essay(essay_id, TEACHER_ID)
        assert essay is not None
        assert [t["status"] for t in essay["timeline"]].count("spellchecked_success") == 1
    finally:
        for engine in engines:
            await engine.dispose()
