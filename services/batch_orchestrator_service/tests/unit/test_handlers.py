"""The handlers' decisions against in-memory fakes: what changes, what is published, when."""

from __future__ import annotations

import pytest

from common_core.enums import (
    BatchStatus,
    CourseCode,
    EssayStatus,
    Language,
    PipelineExecutionStatus,
)
from common_core.events import (
    BatchEssaysRegistered,
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
    BatchServiceSpellcheckInitiateCommandDataV1,
)
from common_core.kafka import PermanentError
from common_core.pipeline import EssayCounts
from services.batch_orchestrator_service.domain import ConcurrentUpdateError
from services.batch_orchestrator_service.handlers import (
    handle_batch_essays_ready,
    handle_essay_lifecycle_state_updated,
)
from services.batch_orchestrator_service.tests.unit.builders import (
    CID,
    ready_event,
    registered,
    state_update,
)
from services.batch_orchestrator_service.tests.unit.fakes import FakeUnitOfWork


async def test_register_stores_context_and_announces_without_it() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow)

    stored = uow.repo.batches[batch.batch_id]
    assert (stored.course_code, stored.class_designation, stored.essay_instructions) == (
        CourseCode.SV2,
        "9A",
        "Skriv.",
    )
    [event] = uow.published
    assert isinstance(event.event, BatchEssaysRegistered)
    assert event.correlation_id == CID
    assert event.event.essay_ids == batch.essay_ids
    dumped = event.event.model_dump()
    assert not {"course_code", "class_designation", "essay_instructions"} & dumped.keys()


async def test_ready_starts_spellcheck_in_the_course_language() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, CourseCode.SV2)
    uow.published.clear()

    await handle_batch_essays_ready(ready_event(batch), "corr-ready", uow)

    stored = uow.repo.batches[batch.batch_id]
    assert stored.status is BatchStatus.PROCESSING
    assert stored.pipeline_state.detail("spellcheck").status is PipelineExecutionStatus.IN_PROGRESS
    assert stored.pipeline_state.detail("spellcheck").started_at is not None
    [command] = uow.events(BatchServiceSpellcheckInitiateCommandDataV1)
    assert isinstance(command, BatchServiceSpellcheckInitiateCommandDataV1)
    assert command.language is Language.SWEDISH
    assert [e.essay_id for e in command.essays_to_process] == batch.essay_ids
    progress = uow.events(BatchPipelineProgressUpdated)
    assert [p.batch_status for p in progress if isinstance(p, BatchPipelineProgressUpdated)] == [
        BatchStatus.READY_FOR_PROCESSING,
        BatchStatus.PROCESSING,
    ]
    assert {p.correlation_id for p in uow.published} == {"corr-ready"}


async def test_duplicate_ready_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow)
    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    before = (len(uow.published), uow.repo.batches[batch.batch_id])

    await handle_batch_essays_ready(ready_event(batch), CID, uow)

    assert (len(uow.published), uow.repo.batches[batch.batch_id]) == before


async def test_unknown_batch_is_permanent() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow)
    uow.repo.batches.clear()
    with pytest.raises(PermanentError, match="unknown batch_id"):
        await handle_batch_essays_ready(ready_event(batch), CID, uow)
    with pytest.raises(PermanentError):
        await handle_essay_lifecycle_state_updated(
            state_update(batch.batch_id, "e", EssayStatus.SPELLCHECKED_SUCCESS), CID, uow
        )


async def test_results_complete_the_batch_once_despite_duplicates() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, n=3)
    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    uow.published.clear()
    a, b, c = batch.essay_ids

    for essay_id, status in [
        (a, EssayStatus.AWAITING_SPELLCHECK),  # not a result: ignored
        (a, EssayStatus.SPELLCHECKED_SUCCESS),
        (a, EssayStatus.SPELLCHECKED_SUCCESS),  # duplicate
        (b, EssayStatus.SPELLCHECK_FAILED),
        (c, EssayStatus.SPELLCHECKED_SUCCESS),
        (c, EssayStatus.SPELLCHECKED_SUCCESS),  # duplicate after completion
    ]:
        await handle_essay_lifecycle_state_updated(
            state_update(batch.batch_id, essay_id, status), CID, uow
        )

    stored = uow.repo.batches[batch.batch_id]
    assert stored.status is BatchStatus.PARTIALLY_COMPLETED
    detail = stored.pipeline_state.detail("spellcheck")
    assert detail.status is PipelineExecutionStatus.COMPLETED_WITH_FAILURES
    assert detail.essay_counts == EssayCounts(total=3, successful=2, failed=1, pending=0)
    assert detail.completed_at is not None
    [completed] = uow.events(BatchLifecycleCompleted)
    assert isinstance(completed, BatchLifecycleCompleted)
    assert completed.status is BatchStatus.PARTIALLY_COMPLETED
    pending = [
        p.pipeline_state.detail("spellcheck").essay_counts.pending
        for p in uow.events(BatchPipelineProgressUpdated)
        if isinstance(p, BatchPipelineProgressUpdated)
    ]
    assert pending == [2, 1, 0]


async def test_all_succeeded_is_completed() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, CourseCode.ENG7, n=2)
    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    for essay_id in batch.essay_ids:
        await handle_essay_lifecycle_state_updated(
            state_update(batch.batch_id, essay_id, EssayStatus.SPELLCHECKED_SUCCESS), CID, uow
        )
    assert uow.repo.batches[batch.batch_id].status is BatchStatus.COMPLETED
    assert len(uow.events(BatchLifecycleCompleted)) == 1


async def test_failed_uploads_make_a_successful_batch_partial() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, n=3)
    await handle_batch_essays_ready(ready_event(batch, batch.essay_ids[:1], failed=2), CID, uow)
    await handle_essay_lifecycle_state_updated(
        state_update(batch.batch_id, batch.essay_ids[0], EssayStatus.SPELLCHECKED_SUCCESS), CID, uow
    )
    stored = uow.repo.batches[batch.batch_id]
    assert stored.status is BatchStatus.PARTIALLY_COMPLETED
    assert stored.pipeline_state.detail("spellcheck").status is PipelineExecutionStatus.COMPLETED
    [completed] = uow.events(BatchLifecycleCompleted)
    assert isinstance(completed, BatchLifecycleCompleted) and completed.failed_uploads == 2


async def test_every_upload_failed_ends_the_batch_without_a_command() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, n=2)
    await handle_batch_essays_ready(ready_event(batch, [], failed=2), CID, uow)

    stored = uow.repo.batches[batch.batch_id]
    assert stored.status is BatchStatus.FAILED
    assert stored.pipeline_state.detail("spellcheck").status is PipelineExecutionStatus.FAILED
    assert uow.events(BatchServiceSpellcheckInitiateCommandDataV1) == []
    assert len(uow.events(BatchLifecycleCompleted)) == 1
    assert len(uow.events(BatchPipelineProgressUpdated)) == 1


async def test_a_result_overtaking_ready_is_counted_when_ready_arrives() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, n=2)
    a, _ = batch.essay_ids
    early = state_update(batch.batch_id, a, EssayStatus.SPELLCHECKED_SUCCESS)
    await handle_essay_lifecycle_state_updated(early, CID, uow)
    assert uow.repo.batches[batch.batch_id].status is BatchStatus.AWAITING_CONTENT

    await handle_batch_essays_ready(ready_event(batch, [a], failed=1), CID, uow)

    stored = uow.repo.batches[batch.batch_id]
    assert stored.status is BatchStatus.PARTIALLY_COMPLETED
    assert stored.pipeline_state.detail("spellcheck").essay_counts == EssayCounts(
        total=1, successful=1
    )
    assert len(uow.events(BatchLifecycleCompleted)) == 1


async def test_results_for_essays_outside_the_batch_or_not_processed_are_ignored() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, n=2)
    a, b = batch.essay_ids
    await handle_essay_lifecycle_state_updated(
        state_update(batch.batch_id, "stranger", EssayStatus.SPELLCHECK_FAILED), CID, uow
    )
    await handle_batch_essays_ready(ready_event(batch, [a], failed=1), CID, uow)
    published = len(uow.published)

    not_processed = state_update(batch.batch_id, b, EssayStatus.SPELLCHECK_FAILED)
    await handle_essay_lifecycle_state_updated(not_processed, CID, uow)

    assert uow.repo.results == {}
    assert len(uow.published) == published
    assert uow.repo.batches[batch.batch_id].status is BatchStatus.PROCESSING


async def test_losing_a_status_race_rolls_back_and_asks_for_a_retry() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow)
    uow.published.clear()
    uow.repo.lose_next_save = True

    with pytest.raises(ConcurrentUpdateError):
        await handle_batch_essays_ready(ready_event(batch), CID, uow)

    assert uow.published == []
    assert uow.repo.batches[batch.batch_id].status is BatchStatus.AWAITING_CONTENT
