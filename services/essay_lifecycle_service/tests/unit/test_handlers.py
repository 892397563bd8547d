"""ELS handlers against the in-memory store: slots, readiness, spellcheck, idempotency."""

from __future__ import annotations

import pytest

from common_core.enums import EssayStatus, Language
from common_core.events import (
    BatchEssaysReady,
    EssayLifecycleStateUpdated,
    SpellcheckRequestedDataV1,
)
from common_core.kafka import PermanentError
from services.essay_lifecycle_service.domain import AWAITING_CONTENT, UploadKind
from services.essay_lifecycle_service.handlers import (
    assign_content_to_slot,
    record_validation_failure,
    register_batch,
)
from services.essay_lifecycle_service.phase_handlers import (
    record_spellcheck_result,
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

CID = "corr-1"


def ready_events(store: FakeUnitOfWork) -> list[BatchEssaysReady]:
    return [e for e in store.events_of(BatchEssaysReady) if isinstance(e, BatchEssaysReady)]


async def test_contents_fill_slots_and_batch_is_ready_once() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 2), CID, store)
    first, second = content_ready(batch_id), content_ready(batch_id)

    await assign_content_to_slot(first, CID, store)
    assert ready_events(store) == []
    await assign_content_to_slot(second, "corr-2", store)

    (ready,) = ready_events(store)
    assert [r.essay_id for r in ready.ready_essays] == [
        f"{batch_id}-essay-0",
        f"{batch_id}-essay-1",
    ]
    assert ready.failed_uploads == []
    assert store.state.published[-1][1] == "corr-2"  # the completing event's correlation id
    essays = store.state.essays
    assert essays[f"{batch_id}-essay-0"].file_upload_id == first.file_upload_id
    assert essays[f"{batch_id}-essay-0"].status == EssayStatus.READY_FOR_PROCESSING


async def test_redelivered_content_takes_no_second_slot() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 2), CID, store)
    event = content_ready(batch_id)

    await assign_content_to_slot(event, CID, store)
    await assign_content_to_slot(event, CID, store)

    taken = [e for e in store.state.essays.values() if e.file_upload_id is not None]
    assert len(taken) == 1
    assert ready_events(store) == []


async def test_content_before_registration_is_pending_then_assigned_in_arrival_order() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    early = [content_ready(batch_id) for _ in range(2)]
    for event in early:
        await assign_content_to_slot(event, CID, store)
    assert {u.kind for u in store.state.uploads.values()} == {UploadKind.PENDING}

    await register_batch(registered(batch_id, 2), "corr-reg", store)

    essays = store.state.essays
    assert essays[f"{batch_id}-essay-0"].file_upload_id == early[0].file_upload_id
    assert essays[f"{batch_id}-essay-1"].file_upload_id == early[1].file_upload_id
    (ready,) = ready_events(store)
    assert len(ready.ready_essays) == 2


async def test_failures_count_toward_readiness_and_empty_slots_are_not_ready() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 3), CID, store)
    await record_validation_failure(validation_failed(batch_id, "a.png"), CID, store)
    await assign_content_to_slot(content_ready(batch_id), CID, store)
    assert ready_events(store) == []
    await record_validation_failure(validation_failed(batch_id, "b.txt"), CID, store)

    (ready,) = ready_events(store)
    assert [r.essay_id for r in ready.ready_essays] == [f"{batch_id}-essay-0"]
    assert [f.file_name for f in ready.failed_uploads] == ["a.png", "b.txt"]
    assert store.state.essays[f"{batch_id}-essay-1"].status == AWAITING_CONTENT


async def test_content_beyond_expected_count_is_excess_and_ready_not_repeated() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 1), CID, store)
    await assign_content_to_slot(content_ready(batch_id), CID, store)
    extra = content_ready(batch_id)

    await assign_content_to_slot(extra, CID, store)

    assert store.state.uploads[extra.file_upload_id].kind is UploadKind.EXCESS
    assert len(ready_events(store)) == 1


async def test_same_text_re_uploaded_takes_no_slot_and_does_not_count() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 2), CID, store)
    await assign_content_to_slot(content_ready(batch_id, text="same words"), CID, store)
    await assign_content_to_slot(content_ready(batch_id, text="same words"), CID, store)

    assert ready_events(store) == []  # the re-upload did not complete the batch
    kinds = [u.kind for u in store.state.uploads.values() if u.upload.batch_id == batch_id]
    assert kinds == [UploadKind.CONTENT, UploadKind.DUPLICATE]
    await assign_content_to_slot(content_ready(batch_id, text="other words"), CID, store)

    (ready,) = ready_events(store)
    assert len(ready.ready_essays) == 2
    assert ready.failed_uploads == []


async def test_inconsistent_registration_is_permanent() -> None:
    event = registered(new_id("b"), 2)
    event.essay_ids = ["same", "same"]
    with pytest.raises(PermanentError):
        await register_batch(event, CID, FakeUnitOfWork())


async def test_spellcheck_command_requests_each_ready_essay_once() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 2), CID, store)
    for _ in range(2):
        await assign_content_to_slot(content_ready(batch_id), CID, store)
    (ready,) = ready_events(store)
    command = spellcheck_command(
        batch_id, [(r.essay_id, r.text_storage_id) for r in ready.ready_essays], Language.ENGLISH
    )

    await start_spellcheck(command, "corr-cmd", store)
    await start_spellcheck(command, "corr-cmd", store)

    requests = store.events_of(SpellcheckRequestedDataV1)
    assert len(requests) == 2
    assert all(
        isinstance(r, SpellcheckRequestedDataV1) and r.language is Language.ENGLISH
        for r in requests
    )
    assert {r.partition_key() for r in requests} == {r.essay_id for r in ready.ready_essays}
    updates = store.events_of(EssayLifecycleStateUpdated)
    assert [u.status for u in updates if isinstance(u, EssayLifecycleStateUpdated)] == [
        EssayStatus.AWAITING_SPELLCHECK
    ] * 2
    assert store.state.essays[ready.ready_essays[0].essay_id].status == "awaiting_spellcheck"


async def test_result_is_recorded_once_and_announced() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 1), CID, store)
    await assign_content_to_slot(content_ready(batch_id), CID, store)
    essay_id = f"{batch_id}-essay-0"
    text_id = store.state.essays[essay_id].text_storage_id or ""
    await start_spellcheck(spellcheck_command(batch_id, [(essay_id, text_id)]), CID, store)

    result = spellcheck_result(batch_id, essay_id, corrections=4)
    await record_spellcheck_result(result, "corr-res", store)
    await record_spellcheck_result(result, "corr-res", store)

    essay = store.state.essays[essay_id]
    assert (essay.status, essay.corrections_made) == ("spellchecked_success", 4)
    assert essay.corrected_text_storage_id == "c" * 32
    assert essay.spellcheck_log_storage_id == "d" * 32
    statuses = [s for e, s in store.state.timeline if e == essay_id]
    assert statuses == ["ready_for_processing", "awaiting_spellcheck", "spellchecked_success"]
    final = store.events_of(EssayLifecycleStateUpdated)[-1]
    assert isinstance(final, EssayLifecycleStateUpdated)
    assert (final.status, final.partition_key()) == (EssayStatus.SPELLCHECKED_SUCCESS, batch_id)
    assert len(store.events_of(EssayLifecycleStateUpdated)) == 2


async def test_failed_result_keeps_the_error() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 1), CID, store)
    await assign_content_to_slot(content_ready(batch_id), CID, store)
    essay_id = f"{batch_id}-essay-0"

    await record_spellcheck_result(
        spellcheck_result(batch_id, essay_id, EssayStatus.SPELLCHECK_FAILED), CID, store
    )

    essay = store.state.essays[essay_id]
    assert (essay.status, essay.error) == ("spellcheck_failed", "content service unavailable")


async def test_unknown_essay_in_result_or_command_is_permanent_and_commits_nothing() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await register_batch(registered(batch_id, 1), CID, store)
    commits = store.commits

    with pytest.raises(PermanentError):
        await record_spellcheck_result(spellcheck_result(batch_id, "nope"), CID, store)
    with pytest.raises(PermanentError):
        await start_spellcheck(spellcheck_command(batch_id, [("nope", "x")]), CID, store)

    assert store.commits == commits


async def test_failure_before_registration_is_pending_and_counts_on_registration() -> None:
    store, batch_id = FakeUnitOfWork(), new_id("b")
    await record_validation_failure(validation_failed(batch_id, "bad.pdf"), CID, store)
    await assign_content_to_slot(content_ready(batch_id), CID, store)

    await register_batch(registered(batch_id, 2), CID, store)
    await register_batch(registered(batch_id, 2), CID, store)  # redelivered registration

    (ready,) = ready_events(store)
    assert len(ready.ready_essays) == 1
    assert [f.file_name for f in ready.failed_uploads] == ["bad.pdf"]
    assert len(store.state.essays) == 2


async def test_content_without_an_original_essay_reference_is_permanent() -> None:
    event = content_ready(new_id("b"))
    event.content_storage_reference.references.clear()
    with pytest.raises(PermanentError):
        await assign_content_to_slot(event, CID, FakeUnitOfWork())
