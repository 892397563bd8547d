"""A poll's essay updates in one call: one transaction, one snapshot per batch, same decisions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from common_core.enums import BatchStatus, CourseCode, EssayStatus, ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import (
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
    EssayLifecycleStateUpdated,
)
from common_core.kafka import PermanentError
from common_core.pipeline import EssayCounts
from common_core.topics import topic_name
from services.batch_orchestrator_service.domain import Batch, ConcurrentUpdateError
from services.batch_orchestrator_service.handlers import (
    StateUpdate,
    handle_batch_essays_ready,
    handle_essay_lifecycle_state_updated,
    handle_essay_lifecycle_state_updates,
)
from services.batch_orchestrator_service.kafka_consumer import build_routes
from services.batch_orchestrator_service.tests.unit.builders import (
    CID,
    ready_event,
    registered,
    state_update,
)
from services.batch_orchestrator_service.tests.unit.fakes import FakeUnitOfWork

OK, FAILED = EssayStatus.SPELLCHECKED_SUCCESS, EssayStatus.SPELLCHECK_FAILED
AWAITING = EssayStatus.AWAITING_SPELLCHECK


async def processing(uow: FakeUnitOfWork, n: int = 3) -> Batch:
    """A batch whose spellcheck runs; what registering and readying it published is cleared."""
    batch = await registered(uow, CourseCode.ENG5, n)
    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    uow.published.clear()
    uow.commits = 0
    uow.repo.locked.clear()
    return batch


def updates(batch: Batch, *items: tuple[int, EssayStatus]) -> list[StateUpdate]:
    """Updates for the batch's essays by index, each with its own correlation id."""
    return [
        StateUpdate(state_update(batch.batch_id, batch.essay_ids[i], status), f"c{n}")
        for n, (i, status) in enumerate(items)
    ]


def progress(uow: FakeUnitOfWork, batch: Batch) -> list[BatchPipelineProgressUpdated]:
    return [
        p
        for p in uow.events(BatchPipelineProgressUpdated)
        if isinstance(p, BatchPipelineProgressUpdated) and p.batch_id == batch.batch_id
    ]


def counts(uow: FakeUnitOfWork, batch: Batch) -> EssayCounts:
    return uow.repo.batches[batch.batch_id].pipeline_state.detail("spellcheck").essay_counts


async def test_a_calls_results_commit_once_with_one_snapshot() -> None:
    uow = FakeUnitOfWork()
    batch = await processing(uow, n=4)

    await handle_essay_lifecycle_state_updates(
        updates(batch, (0, AWAITING), (0, OK), (1, FAILED), (2, OK)), uow
    )

    assert uow.commits == 1
    assert uow.repo.locked == [batch.batch_id]  # loaded (and locked) once
    assert counts(uow, batch) == EssayCounts(total=4, successful=2, failed=1, pending=1)
    [snapshot] = progress(uow, batch)
    assert snapshot.pipeline_state.detail("spellcheck").essay_counts.pending == 1
    assert uow.published[0].correlation_id == "c3"  # the last result's, as one by one
    assert uow.events(BatchLifecycleCompleted) == []


async def test_finishing_inside_a_call_completes_once_and_ignores_what_follows() -> None:
    uow = FakeUnitOfWork()
    batch = await processing(uow)

    await handle_essay_lifecycle_state_updates(
        updates(batch, (0, OK), (1, OK), (2, OK), (0, FAILED), (2, OK)), uow
    )

    assert uow.commits == 1
    assert uow.repo.batches[batch.batch_id].status is BatchStatus.COMPLETED
    assert counts(uow, batch) == EssayCounts(total=3, successful=3)
    assert set(uow.repo.statuses().values()) == {OK}  # (0, FAILED) came after the end
    [completed] = uow.events(BatchLifecycleCompleted)
    assert isinstance(completed, BatchLifecycleCompleted)
    assert completed.status is BatchStatus.COMPLETED
    assert [p.batch_status for p in progress(uow, batch)] == [BatchStatus.COMPLETED]
    assert {p.correlation_id for p in uow.published} == {"c2"}  # the finishing result's


@pytest.mark.parametrize(
    "sequence",
    [
        [(0, OK), (0, FAILED), (1, OK), (2, OK)],  # a changed result before the end counts
        [(2, FAILED), (1, OK), (0, OK), (1, FAILED), (0, FAILED)],  # changes after it do not
        [(0, OK), (1, OK), (2, OK), (0, FAILED), (2, OK)],
        [(0, OK), (0, OK), (1, AWAITING), (1, FAILED)],  # unfinished, with noise and a repeat
    ],
)
async def test_a_call_ends_where_the_same_updates_one_by_one_end(
    sequence: list[tuple[int, EssayStatus]],
) -> None:
    one_by_one, uow = FakeUnitOfWork(), FakeUnitOfWork()
    alone, batch = await processing(one_by_one), await processing(uow)
    for update in updates(alone, *sequence):
        await handle_essay_lifecycle_state_updated(update.event, update.correlation_id, one_by_one)

    await handle_essay_lifecycle_state_updates(updates(batch, *sequence), uow)

    def end(fake: FakeUnitOfWork, of: Batch) -> tuple[object, ...]:
        stored = fake.repo.batches[of.batch_id]
        rows = {of.essay_ids.index(e): s for e, s in fake.repo.statuses().items()}
        finished = len(fake.events(BatchLifecycleCompleted))
        return (
            stored.status,
            stored.pipeline_state.detail("spellcheck").essay_counts,
            rows,
            finished,
        )

    assert end(uow, batch) == end(one_by_one, alone)
    assert uow.commits == 1


async def test_duplicates_in_one_call_count_once() -> None:
    uow = FakeUnitOfWork()
    batch = await processing(uow)

    await handle_essay_lifecycle_state_updates(
        updates(batch, (0, OK), (0, OK), (1, FAILED), (1, FAILED)), uow
    )

    assert uow.commits == 1
    assert counts(uow, batch) == EssayCounts(total=3, successful=1, failed=1, pending=1)
    assert len(progress(uow, batch)) == 1


async def test_a_call_of_only_duplicates_commits_and_publishes_nothing() -> None:
    uow = FakeUnitOfWork()
    batch = await processing(uow)
    await handle_essay_lifecycle_state_updates(updates(batch, (0, OK), (1, OK)), uow)
    published, commits = len(uow.published), uow.commits

    await handle_essay_lifecycle_state_updates(updates(batch, (1, OK), (0, OK), (0, AWAITING)), uow)

    assert (len(uow.published), uow.commits) == (published, commits)


async def test_two_batches_in_one_call_lock_in_id_order_and_commit_once() -> None:
    uow = FakeUnitOfWork()
    first, second = await processing(uow, n=2), await processing(uow, n=3)
    x, y = updates(first, (0, OK), (1, FAILED)), updates(second, (0, OK), (2, OK))

    await handle_essay_lifecycle_state_updates([y[0], x[0], y[1], x[1]], uow)

    assert uow.commits == 1
    assert uow.repo.locked == sorted([first.batch_id, second.batch_id])
    assert uow.repo.batches[first.batch_id].status is BatchStatus.PARTIALLY_COMPLETED
    assert counts(uow, first) == EssayCounts(total=2, successful=1, failed=1)
    assert counts(uow, second) == EssayCounts(total=3, successful=2, pending=1)
    assert len(progress(uow, first)) == len(progress(uow, second)) == 1
    [completed] = uow.events(BatchLifecycleCompleted)
    assert isinstance(completed, BatchLifecycleCompleted)
    assert completed.batch_id == first.batch_id


async def test_an_unknown_batch_in_a_call_raises_and_commits_nothing() -> None:
    uow = FakeUnitOfWork()
    batch = await processing(uow)
    ghost = "zzzz-ghost"  # sorts after the UUID, so the known batch's work is done first
    before = uow.repo.batches[batch.batch_id]

    with pytest.raises(PermanentError, match="unknown batch_id 'zzzz-ghost'"):
        await handle_essay_lifecycle_state_updates(
            [*updates(batch, (0, OK), (1, OK)), StateUpdate(state_update(ghost, "e", OK), CID)],
            uow,
        )

    assert uow.repo.locked == [batch.batch_id, ghost]
    assert (uow.commits, uow.published, uow.repo.results) == (0, [], {})
    assert uow.repo.batches[batch.batch_id] == before


async def test_a_lost_status_race_rolls_back_the_whole_call() -> None:
    uow = FakeUnitOfWork()
    batch = await processing(uow)
    uow.repo.lose_next_save = True

    with pytest.raises(ConcurrentUpdateError):
        await handle_essay_lifecycle_state_updates(updates(batch, (0, OK), (1, OK)), uow)

    assert (uow.commits, uow.published, uow.repo.results) == (0, [], {})


async def test_results_before_processing_are_kept_in_one_commit_and_counted_later() -> None:
    uow = FakeUnitOfWork()
    batch = await registered(uow, n=3)
    uow.published.clear()
    uow.commits = 0
    stranger = StateUpdate(state_update(batch.batch_id, "stranger", OK), CID)

    await handle_essay_lifecycle_state_updates(
        [*updates(batch, (0, OK), (1, FAILED)), stranger], uow
    )

    assert (uow.commits, uow.published) == (1, [])
    assert len(uow.repo.results) == 2
    assert uow.repo.batches[batch.batch_id].status is BatchStatus.AWAITING_CONTENT
    await handle_batch_essays_ready(ready_event(batch), CID, uow)
    assert counts(uow, batch) == EssayCounts(total=3, successful=1, failed=1, pending=1)


async def test_updates_of_a_finished_batch_or_no_results_touch_nothing() -> None:
    uow = FakeUnitOfWork()
    batch = await processing(uow, n=1)
    await handle_essay_lifecycle_state_updates(updates(batch, (0, AWAITING), (0, AWAITING)), uow)
    assert uow.repo.locked == []  # no result: the database is not even asked
    await handle_essay_lifecycle_state_updated(
        state_update(batch.batch_id, batch.essay_ids[0], OK), CID, uow
    )
    published, commits = len(uow.published), uow.commits

    await handle_essay_lifecycle_state_updates(updates(batch, (0, FAILED), (0, OK)), uow)

    assert (len(uow.published), uow.commits) == (published, commits)
    assert uow.repo.batches[batch.batch_id].status is BatchStatus.COMPLETED


async def test_the_routes_batch_handler_binds_each_event_and_uses_one_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uow = FakeUnitOfWork()
    batch = await processing(uow)
    bound: list[str] = []

    @contextmanager
    def recording(
        envelope: EventEnvelope[EssayLifecycleStateUpdated], topic: str
    ) -> Iterator[None]:
        bound.append(envelope.correlation_id)
        yield

    monkeypatch.setattr("services.batch_orchestrator_service.kafka_consumer.bound_to", recording)
    route = build_routes(lambda: uow)[topic_name(ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED)]
    envelopes = [
        EventEnvelope.wrap(u.event, source_service="els", correlation_id=u.correlation_id)
        for u in updates(batch, (0, OK), (1, OK), (2, FAILED))
    ]

    assert route.batch_handler is not None
    await route.batch_handler(envelopes)

    assert uow.commits == 1
    assert uow.repo.batches[batch.batch_id].status is BatchStatus.PARTIALLY_COMPLETED
    assert bound[:3] == ["c0", "c1", "c2"]  # every event's own work ran in its own context
