"""ELS batch forms (one poll, one transaction) on the real databases: SQLite and PostgreSQL.

The SQL behind them is set-based (multi-row INSERT ... ON CONFLICT, executemany claims,
IN-list updates), so these check it does on each dialect what one-by-one handling did.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from common_core.db import session_factory
from common_core.outbox import OutboxMessage
from services.essay_lifecycle_service.handlers import (
    assign_contents_to_slots,
    record_validation_failures,
    register_batch,
)
from services.essay_lifecycle_service.models.orm import migrate_schema
from services.essay_lifecycle_service.phase_handlers import (
    record_spellcheck_results,
    start_spellcheck,
)
from services.essay_lifecycle_service.unit_of_work import (
    SqlUnitOfWork,
    SqlUnitOfWorkFactory,
    create_writer_engine,
)
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


@pytest.fixture
async def store_and_views(database_url: str) -> AsyncIterator[tuple[SqlUnitOfWork, EssayViews]]:
    engine = create_writer_engine(database_url)
    await migrate_schema(engine)
    try:
        yield SqlUnitOfWorkFactory.for_engine(engine)(), EssayViews(session_factory(engine))
    finally:
        await engine.dispose()


async def ready_events(store: SqlUnitOfWork, batch_id: str) -> int:
    async with store:
        count = await store.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.key == batch_id, OutboxMessage.topic.like("%essays.ready%"))
        )
    return int(count or 0)


async def test_a_poll_of_every_kind_of_upload_lands_as_one_by_one_would(
    store_and_views: tuple[SqlUnitOfWork, EssayViews],
) -> None:
    store, views = store_and_views
    batch_id = new_id("poll")
    early = [content_ready(batch_id) for _ in range(2)]
    await assign_contents_to_slots([(e, "c-early") for e in early], store)  # before registration
    await register_batch(registered(batch_id, 5), "c-reg", store)
    same_text = content_ready(batch_id, text=f"essay text of {early[0].file_upload_id}")
    later = [content_ready(batch_id) for _ in range(3)]
    await assign_contents_to_slots(
        [(later[0], "c1"), (early[1], "c-again"), (same_text, "c2"), (later[0], "c1")], store
    )
    await record_validation_failures([(validation_failed(batch_id), "c3")], store)
    await assign_contents_to_slots([(later[1], "c4"), (later[2], "c5")], store)  # one too many

    view = await views.batch_essays(batch_id, TEACHER_ID)
    assert view is not None and view["ready"]
    holders = [e["file_upload_id"] for e in view["essays"]]
    assert holders == [
        early[0].file_upload_id,
        early[1].file_upload_id,
        later[0].file_upload_id,
        later[1].file_upload_id,
        None,  # the failed upload counts toward readiness but takes no slot
    ]
    assert [u["file_upload_id"] for u in view["duplicate_uploads"]] == [same_text.file_upload_id]
    assert [u["file_upload_id"] for u in view["excess_uploads"]] == [later[2].file_upload_id]
    assert len(view["failed_uploads"]) == 1
    assert await ready_events(store, batch_id) == 1
    filled = [e for e in view["essays"] if e["file_upload_id"]]
    assert {e["status"] for e in filled} == {"ready_for_processing"}


async def test_a_poll_of_results_is_recorded_once_each(
    store_and_views: tuple[SqlUnitOfWork, EssayViews],
) -> None:
    store, views = store_and_views
    batch_id = new_id("results")
    await register_batch(registered(batch_id, 3), "c-reg", store)
    contents = [content_ready(batch_id) for _ in range(3)]
    await assign_contents_to_slots([(c, "c") for c in contents], store)
    view = await views.batch_essays(batch_id, TEACHER_ID)
    assert view is not None
    refs = [(e["essay_id"], "t") for e in view["essays"]]
    await start_spellcheck(spellcheck_command(batch_id, refs), "c-cmd", store)
    results = [spellcheck_result(batch_id, essay_id) for essay_id, _ in refs]

    await record_spellcheck_results(
        [(results[0], "r"), (results[1], "r"), (results[0], "r"), (results[2], "r")], store
    )

    for essay_id, _ in refs:
        essay = await views.essay(essay_id, TEACHER_ID)
        assert essay is not None
        statuses = [t["status"] for t in essay["timeline"]]
        assert statuses == ["ready_for_processing", "awaiting_spellcheck", "spellchecked_success"]
