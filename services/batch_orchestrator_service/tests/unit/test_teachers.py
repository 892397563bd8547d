"""Ownership, deletion and retention decisions against in-memory fakes: a teacher sees and
deletes only their own batches, a deleted batch stays deleted, and old batches are purged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from common_core.enums import BatchStatus, CourseCode, EssayStatus
from common_core.events import (
    BatchDeleted,
    BatchEssaysRegistered,
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
)
from common_core.kafka import PermanentError
from common_core.metadata import utc_now
from services.batch_orchestrator_service.domain import BatchNotFoundError
from services.batch_orchestrator_service.handlers import (
    StateUpdate,
    handle_batch_essays_ready,
    handle_essay_lifecycle_state_updated,
    handle_essay_lifecycle_state_updates,
    request_pipelines,
)
from services.batch_orchestrator_service.teachers import (
    PURGE_CHUNK,
    delete_batch,
    purge_expired_batches,
    teacher_batch,
    teacher_batches,
)
from services.batch_orchestrator_service.tests.unit.builders import (
    CID,
    TEACHER,
    ready_event,
    registered,
    state_update,
)
from services.batch_orchestrator_service.tests.unit.fakes import FakeUnitOfWork

OTHER = "teacher-bertil"
OK = EssayStatus.SPELLCHECKED_SUCCESS


async def test_a_teacher_reads_their_batch_and_another_teachers_is_not_found_alike() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow)

    assert (await teacher_batch(batch.batch_id, TEACHER, uow)).batch_id == batch.batch_id
    with pytest.raises(BatchNotFoundError) as theirs:
        await teacher_batch(batch.batch_id, OTHER, uow)
    with pytest.raises(BatchNotFoundError) as unknown:
        await teacher_batch("no-such-batch", OTHER, uow)
    # The same words for both, the id aside: nothing tells a batch exists.
    assert str(theirs.value).replace(batch.batch_id, "X") == str(unknown.value).replace(
        "no-such-batch", "X"
    )


async def test_a_batch_from_before_ownership_is_nobodys() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow)
    uow.repo.batches[batch.batch_id].teacher_id = None

    with pytest.raises(BatchNotFoundError):
        await teacher_batch(batch.batch_id, TEACHER, uow)


async def test_a_teachers_list_is_their_own_batches_newest_first_and_limited() -> None:
    uow = FakeUnitOfWork()
    mine = [await registered(uow) for _ in range(3)]
    await registered(uow, teacher_id=OTHER)
    for age, batch in enumerate(mine):  # the first registered is the oldest
        uow.repo.batches[batch.batch_id].created_at = utc_now() - timedelta(minutes=10 - age)

    listed = await teacher_batches(TEACHER, 2, uow)

    assert [b.batch_id for b in listed] == [mine[2].batch_id, mine[1].batch_id]
    assert await teacher_batches("nobody", 100, uow) == []


async def test_every_event_about_a_batch_names_its_teacher() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, CourseCode.ENG5, 1)
    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    await handle_essay_lifecycle_state_updated(
        state_update(batch.batch_id, batch.essay_ids[0], OK), CID, uow
    )
    await delete_batch(batch.batch_id, TEACHER, CID, uow)

    for kind in (BatchEssaysRegistered, BatchPipelineProgressUpdated, BatchLifecycleCompleted):
        events = uow.events(kind)
        assert events and {e.teacher_id for e in events} == {TEACHER}, kind  # type: ignore[attr-defined]
    [deleted] = uow.events(BatchDeleted)
    assert isinstance(deleted, BatchDeleted)
    assert (deleted.batch_id, deleted.teacher_id) == (batch.batch_id, TEACHER)


async def test_deleting_removes_the_batch_and_announces_it_once() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow)
    await handle_batch_essays_ready(ready_event(batch), CID, uow)  # mid-processing

    await delete_batch(batch.batch_id, TEACHER, "corr-delete", uow)

    assert batch.batch_id not in uow.repo.batches
    assert await uow.repo.was_deleted(batch.batch_id)
    assert uow.published[-1].correlation_id == "corr-delete"
    with pytest.raises(BatchNotFoundError):  # a second DELETE: it is gone
        await delete_batch(batch.batch_id, TEACHER, CID, uow)
    assert len(uow.events(BatchDeleted)) == 1


async def test_another_teacher_cannot_delete_or_extend_a_batch() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow)
    before = (len(uow.published), uow.repo.batches[batch.batch_id])

    with pytest.raises(BatchNotFoundError):
        await delete_batch(batch.batch_id, OTHER, CID, uow)
    with pytest.raises(BatchNotFoundError):
        await request_pipelines(batch.batch_id, ["nlp_metrics"], OTHER, CID, uow)

    assert (len(uow.published), uow.repo.batches[batch.batch_id]) == before


async def test_late_events_of_a_deleted_batch_are_dropped_and_bring_nothing_back() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow)
    await delete_batch(batch.batch_id, TEACHER, CID, uow)
    published = len(uow.published)

    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    await handle_essay_lifecycle_state_updates(
        [StateUpdate(state_update(batch.batch_id, e, OK), CID) for e in batch.essay_ids], uow
    )

    assert batch.batch_id not in uow.repo.batches
    assert uow.repo.results == {}
    assert len(uow.published) == published


async def test_results_of_a_batch_never_registered_still_go_to_the_dead_letters() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(PermanentError):
        await handle_essay_lifecycle_state_updated(state_update("ghost", "e-1", OK), CID, uow)


async def test_retention_purges_old_batches_like_a_teacher_would_and_keeps_new_ones() -> None:
    uow = FakeUnitOfWork()
    old = [await registered(uow, n=1) for _ in range(PURGE_CHUNK + 2)]  # more than one chunk
    young = await registered(uow, n=1, teacher_id=OTHER)
    for batch in old:
        uow.repo.batches[batch.batch_id].created_at = utc_now() - timedelta(days=366)
    uow.repo.batches[young.batch_id].created_at = utc_now() - timedelta(days=364)

    purged = await purge_expired_batches(lambda: uow, 365, "corr-retention")

    assert purged == len(old)
    assert list(uow.repo.batches) == [young.batch_id]
    deleted = uow.events(BatchDeleted)
    assert {e.batch_id for e in deleted} == {b.batch_id for b in old}
    assert await purge_expired_batches(lambda: uow, 365, "corr-again") == 0
    assert uow.repo.batches[young.batch_id].status is BatchStatus.AWAITING_CONTENT
