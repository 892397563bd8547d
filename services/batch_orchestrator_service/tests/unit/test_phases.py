"""Several pipelines through the handlers: phases in order, commands, skips, summary, re-runs."""

from __future__ import annotations

import pytest

from common_core.enums import BatchStatus, CourseCode, EssayStatus, PipelineExecutionStatus
from common_core.events import (
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
    BatchServiceNlpInitiateCommandDataV1,
    BatchServiceSpellcheckInitiateCommandDataV1,
)
from common_core.pipeline import EssayCounts
from services.batch_orchestrator_service.domain import (
    Batch,
    BatchNotFinishedError,
    BatchNotFoundError,
    PipelineAlreadyRequestedError,
)
from services.batch_orchestrator_service.handlers import (
    StateUpdate,
    handle_batch_essays_ready,
    handle_essay_lifecycle_state_updated,
    handle_essay_lifecycle_state_updates,
    request_pipelines,
)
from services.batch_orchestrator_service.tests.unit.builders import (
    CID,
    TEACHER,
    ready_event,
    registered,
    state_update,
)
from services.batch_orchestrator_service.tests.unit.fakes import FakeUnitOfWork

OK, FAILED = EssayStatus.SPELLCHECKED_SUCCESS, EssayStatus.SPELLCHECK_FAILED
NLP_OK, NLP_FAILED = EssayStatus.NLP_SUCCESS, EssayStatus.NLP_FAILED
Status = PipelineExecutionStatus


def metrics(words: int) -> dict[str, int | float | None]:
    return {"word_count": words, "lix": words / 10, "flesch_reading_ease": None}


async def send(uow: FakeUnitOfWork, batch: Batch, *items: tuple[int, EssayStatus]) -> None:
    """Each update alone, as a poll of one (an NLP success carries its metrics)."""
    for i, status in items:
        measured = metrics(100 * (i + 1)) if status is NLP_OK else None
        event = state_update(batch.batch_id, batch.essay_ids[i], status, measured)
        await handle_essay_lifecycle_state_updated(event, CID, uow)


async def both_pipelines(uow: FakeUnitOfWork, n: int = 3) -> Batch:
    batch = await registered(uow, CourseCode.ENG5, n, ("spellcheck", "nlp_metrics"))
    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    return batch


def stored(uow: FakeUnitOfWork, batch: Batch) -> Batch:
    return uow.repo.batches[batch.batch_id]


async def test_nlp_starts_after_spellcheck_on_the_essays_that_succeeded() -> None:
    uow = FakeUnitOfWork()
    batch = await both_pipelines(uow)
    assert len(uow.events(BatchServiceSpellcheckInitiateCommandDataV1)) == 1
    assert uow.events(BatchServiceNlpInitiateCommandDataV1) == []

    await send(uow, batch, (0, OK), (1, FAILED))
    assert uow.events(BatchServiceNlpInitiateCommandDataV1) == []
    await send(uow, batch, (2, OK))

    [command] = uow.events(BatchServiceNlpInitiateCommandDataV1)
    assert isinstance(command, BatchServiceNlpInitiateCommandDataV1)
    assert command.essay_ids == [batch.essay_ids[0], batch.essay_ids[2]]
    assert command.language.value == "en"
    state = stored(uow, batch).pipeline_state
    assert state.detail("spellcheck").status is Status.COMPLETED_WITH_FAILURES
    assert state.detail("nlp_metrics").status is Status.IN_PROGRESS
    assert state.detail("nlp_metrics").essay_counts == EssayCounts(total=3, pending=2, skipped=1)
    assert stored(uow, batch).status is BatchStatus.PROCESSING


async def test_the_batch_completes_once_after_nlp_with_the_class_summary() -> None:
    uow = FakeUnitOfWork()
    batch = await both_pipelines(uow)
    await send(uow, batch, (0, OK), (1, OK), (2, OK), (0, NLP_OK), (1, NLP_OK))
    assert stored(uow, batch).class_summary is None

    await send(uow, batch, (2, NLP_OK), (2, NLP_OK), (1, NLP_FAILED))

    final = stored(uow, batch)
    assert final.status is BatchStatus.COMPLETED
    assert final.pipeline_state.detail("nlp_metrics").essay_counts == EssayCounts(
        total=3, successful=3
    )
    assert final.class_summary == {
        "word_count": {"mean": 200.0, "median": 200.0, "min": 100.0, "max": 300.0},
        "lix": {"mean": 20.0, "median": 20.0, "min": 10.0, "max": 30.0},
    }
    [completed] = uow.events(BatchLifecycleCompleted)
    assert isinstance(completed, BatchLifecycleCompleted)
    assert completed.essay_counts == EssayCounts(total=3, successful=3)
    last = uow.events(BatchPipelineProgressUpdated)[-1]
    assert isinstance(last, BatchPipelineProgressUpdated)
    assert last.batch_status is BatchStatus.COMPLETED
    assert last.pipeline_state == final.pipeline_state


async def test_spellcheck_failing_every_essay_skips_nlp_and_fails_the_batch_at_once() -> None:
    uow = FakeUnitOfWork()
    batch = await both_pipelines(uow, n=2)

    await send(uow, batch, (0, FAILED), (1, FAILED))

    final = stored(uow, batch)
    assert final.status is BatchStatus.FAILED
    assert final.pipeline_state.detail("nlp_metrics").status is Status.SKIPPED
    assert final.pipeline_state.detail("nlp_metrics").essay_counts == EssayCounts(
        total=2, skipped=2
    )
    assert uow.events(BatchServiceNlpInitiateCommandDataV1) == []
    assert len(uow.events(BatchLifecycleCompleted)) == 1


async def test_one_poll_can_end_spellcheck_start_nlp_and_ignore_a_late_spell_result() -> None:
    uow = FakeUnitOfWork()
    batch = await both_pipelines(uow, n=2)
    uow.published.clear()
    updates = [
        StateUpdate(state_update(batch.batch_id, batch.essay_ids[i], status), f"c{n}")
        for n, (i, status) in enumerate([(0, OK), (1, OK), (1, FAILED)])
    ]

    await handle_essay_lifecycle_state_updates(updates, uow)

    assert uow.commits >= 1
    assert set(uow.repo.statuses().values()) == {OK}  # (1, FAILED) came after the phase ended
    [command] = uow.events(BatchServiceNlpInitiateCommandDataV1)
    assert {p.correlation_id for p in uow.published} == {"c1"}  # the finishing result's
    assert isinstance(command, BatchServiceNlpInitiateCommandDataV1)
    assert len(command.essay_ids) == 2


async def test_nlp_results_before_the_phase_runs_or_after_it_ended_are_ignored() -> None:
    uow = FakeUnitOfWork()
    batch = await both_pipelines(uow, n=1)
    await send(uow, batch, (0, NLP_OK))  # nlp is still pending
    assert uow.repo.statuses("nlp_metrics") == {}
    await send(uow, batch, (0, OK), (0, NLP_FAILED))
    published = len(uow.published)

    await send(uow, batch, (0, NLP_OK))

    assert len(uow.published) == published
    assert uow.repo.statuses("nlp_metrics") == {batch.essay_ids[0]: NLP_FAILED}
    assert stored(uow, batch).status is BatchStatus.FAILED


async def test_more_pipelines_on_a_finished_batch_run_on_the_essays_through_so_far() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, CourseCode.ENG5, 2)
    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    await send(uow, batch, (0, OK), (1, FAILED))
    assert stored(uow, batch).status is BatchStatus.PARTIALLY_COMPLETED

    again = await request_pipelines(batch.batch_id, ["nlp_metrics"], TEACHER, "corr-more", uow)

    assert again.requested_pipelines == ["spellcheck", "nlp_metrics"]
    assert stored(uow, batch).status is BatchStatus.PROCESSING
    [command] = uow.events(BatchServiceNlpInitiateCommandDataV1)
    assert isinstance(command, BatchServiceNlpInitiateCommandDataV1)
    assert command.essay_ids == [batch.essay_ids[0]]
    assert uow.published[-1].correlation_id == "corr-more"
    await send(uow, batch, (0, NLP_OK))
    final = stored(uow, batch)
    assert final.status is BatchStatus.PARTIALLY_COMPLETED  # essay 1 failed spellcheck
    assert final.class_summary is not None and "word_count" in final.class_summary
    assert len(uow.events(BatchLifecycleCompleted)) == 2  # once per run to the end


async def test_more_pipelines_refusals_change_nothing() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, CourseCode.ENG5, 1)
    with pytest.raises(BatchNotFoundError):
        await request_pipelines("nope", ["nlp_metrics"], TEACHER, CID, uow)
    with pytest.raises(BatchNotFinishedError):
        await request_pipelines(batch.batch_id, ["nlp_metrics"], TEACHER, CID, uow)
    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    await send(uow, batch, (0, OK))
    before = (len(uow.published), stored(uow, batch))

    with pytest.raises(PipelineAlreadyRequestedError):
        await request_pipelines(batch.batch_id, ["spellcheck"], TEACHER, CID, uow)

    assert (len(uow.published), stored(uow, batch)) == before
