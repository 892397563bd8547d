"""ELS batch forms (one Kafka poll, one transaction) make the same decisions as one by one."""

from __future__ import annotations

import pytest

from common_core.enums import EssayStatus
from common_core.events import BatchEssaysReady, EssayLifecycleStateUpdated
from common_core.kafka import PermanentError
from services.essay_lifecycle_service.domain import UploadKind
from services.essay_lifecycle_service.handlers import (
    assign_contents_to_slots,
    record_validation_failures,
    register_batch,
)
from services.essay_lifecycle_service.phase_handlers import (
    record_spellcheck_results,
    start_spellcheck,
)
from services.essay_lifecycle_service.tests.unit.fakes import FakeUnitOfWork
from tests.support.els_events import (
    content_ready,
    new_id,
    registered,
    spellcheck_command,
    spellcheck_result,
    validation_failed,
)


async def test_a_poll_of_contents_fills_slots_in_one_commit_and_is_ready_once() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 3), "c0", store)
    contents = [content_ready(batch_id) for _ in range(4)]  # one more than expected
    commits = store.commits

    await assign_contents_to_slots(
        [
            (contents[0], "c1"),
            (contents[1], "c2"),
            (contents[0], "c1"),  # redelivered within the same poll
            (contents[2], "c3"),
            (contents[3], "c4"),
        ],
        store,
    )

    assert store.commits == commits + 1
    slots = [store.state.essays[f"{batch_id}-essay-{i}"].file_upload_id for i in range(3)]
    assert slots == [c.file_upload_id for c in contents[:3]]  # in order; the repeat took none
    assert store.state.uploads[contents[3].file_upload_id].kind is UploadKind.EXCESS
    (ready,) = store.events_of(BatchEssaysReady)
    assert isinstance(ready, BatchEssaysReady)
    assert len(ready.ready_essays) == 3
    # Stamped with the event that completed the batch, not the excess one after it.
    assert [cid for data, cid in store.state.published if data is ready] == ["c3"]


async def test_failures_and_contents_of_one_poll_complete_the_batch_together() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 2), "c0", store)

    await record_validation_failures([(validation_failed(batch_id), "c1")], store)
    assert store.events_of(BatchEssaysReady) == []
    await assign_contents_to_slots([(content_ready(batch_id), "c2")], store)

    (ready,) = store.events_of(BatchEssaysReady)
    assert isinstance(ready, BatchEssaysReady)
    assert (len(ready.ready_essays), len(ready.failed_uploads)) == (1, 1)


async def test_contents_of_one_poll_before_registration_are_placed_in_arrival_order() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    early = [content_ready(batch_id) for _ in range(5)]

    await assign_contents_to_slots([(c, "c") for c in early], store)
    await register_batch(registered(batch_id, 5), "c0", store)

    slots = [store.state.essays[f"{batch_id}-essay-{i}"].file_upload_id for i in range(5)]
    assert slots == [c.file_upload_id for c in early]


async def test_a_poll_of_results_records_each_once_in_one_commit() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 2), "c0", store)
    await assign_contents_to_slots([(content_ready(batch_id), "c") for _ in range(2)], store)
    essays = [f"{batch_id}-essay-{i}" for i in range(2)]
    refs = [(e, store.state.essays[e].text_storage_id or "") for e in essays]
    await start_spellcheck(spellcheck_command(batch_id, refs), "c0", store)
    first = spellcheck_result(batch_id, essays[0], corrections=1)
    second = spellcheck_result(batch_id, essays[1], EssayStatus.SPELLCHECK_FAILED)
    commits = store.commits

    await record_spellcheck_results([(first, "r1"), (second, "r2"), (first, "r1")], store)

    assert store.commits == commits + 1
    statuses = [store.state.essays[e].status for e in essays]
    assert statuses == ["spellchecked_success", "spellcheck_failed"]
    results = [
        (data.status, cid)
        for data, cid in store.state.published
        if isinstance(data, EssayLifecycleStateUpdated)
        and data.status is not EssayStatus.AWAITING_SPELLCHECK
    ]
    assert results == [
        (EssayStatus.SPELLCHECKED_SUCCESS, "r1"),
        (EssayStatus.SPELLCHECK_FAILED, "r2"),
    ]


async def test_one_bad_result_fails_the_whole_poll_and_commits_nothing() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 1), "c0", store)
    await assign_contents_to_slots([(content_ready(batch_id), "c")], store)
    good = spellcheck_result(batch_id, f"{batch_id}-essay-0")
    before = store.state

    with pytest.raises(PermanentError):
        await record_spellcheck_results(
            [(good, "r1"), (spellcheck_result(batch_id, "x"), "r2")], store
        )

    assert store.state is before  # the loop now redoes them one by one
    assert store.state.essays[f"{batch_id}-essay-0"].status == "ready_for_processing"


async def test_the_spellcheck_command_moves_every_essay_and_its_timeline() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 3), "c0", store)
    await assign_contents_to_slots([(content_ready(batch_id), "c") for _ in range(3)], store)
    essays = [f"{batch_id}-essay-{i}" for i in range(3)]
    refs = [(e, store.state.essays[e].text_storage_id or "") for e in essays]

    await start_spellcheck(spellcheck_command(batch_id, refs), "c0", store)

    assert {store.state.essays[e].status for e in essays} == {"awaiting_spellcheck"}
    assert {store.state.essays[e].language for e in essays} == {"sv"}  # the command's
    moved = [e for e, status in store.state.timeline if status == "awaiting_spellcheck"]
    assert moved == essays
