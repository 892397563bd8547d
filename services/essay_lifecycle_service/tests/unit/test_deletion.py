"""Ownership and deletion in ELS against the in-memory store: the batch keeps its teacher and
announces it, BatchDeleted forgets every row, and whatever arrives for the batch afterwards
(registration, uploads, commands, results) is dropped instead of kept or dead-lettered."""

from __future__ import annotations

from common_core.enums import EssayStatus
from common_core.events import EssayLifecycleStateUpdated, SpellcheckRequestedDataV1
from services.essay_lifecycle_service.handlers import (
    assign_content_to_slot,
    forget_batch,
    record_validation_failure,
    register_batch,
)
from services.essay_lifecycle_service.phase_handlers import (
    record_spellcheck_result,
    start_spellcheck,
)
from services.essay_lifecycle_service.tests.unit.fakes import FakeUnitOfWork
from tests.support.els_events import (
    batch_deleted,
    content_ready,
    new_id,
    registered,
    spellcheck_command,
    spellcheck_result,
    validation_failed,
)

CID = "corr-1"


async def awaiting_spellcheck(store: FakeUnitOfWork, teacher_id: str) -> tuple[str, list[str]]:
    """A batch of two essays handed to the spell checker."""
    batch_id = new_id("b")
    await register_batch(registered(batch_id, 2, teacher_id), CID, store)
    for _ in range(2):
        await assign_content_to_slot(content_ready(batch_id, name="Anna Svensson"), CID, store)
    ids = [f"{batch_id}-essay-{i}" for i in range(2)]
    texts = [(e, store.state.essays[e].text_storage_id or "") for e in ids]
    await start_spellcheck(spellcheck_command(batch_id, texts), CID, store)
    return batch_id, ids


async def test_the_batch_keeps_its_teacher_and_every_state_update_names_them() -> None:
    store = FakeUnitOfWork()
    batch_id, ids = await awaiting_spellcheck(store, "teacher-anna")
    await record_spellcheck_result(spellcheck_result(batch_id, ids[0]), CID, store)

    assert store.state.batches[batch_id].teacher_id == "teacher-anna"
    updates = store.events_of(EssayLifecycleStateUpdated)
    assert len(updates) == 3  # two awaiting, one result
    assert {u.teacher_id for u in updates if isinstance(u, EssayLifecycleStateUpdated)} == {
        "teacher-anna"
    }


async def test_batch_deleted_forgets_every_row_and_is_idempotent() -> None:
    store = FakeUnitOfWork()
    batch_id, _ = await awaiting_spellcheck(store, "teacher-anna")
    await record_validation_failure(validation_failed(batch_id), CID, store)  # an excess row
    other, _ = await awaiting_spellcheck(store, "teacher-anna")
    before = len(store.state.published)

    await forget_batch(batch_deleted(batch_id), "corr-del", store)
    await forget_batch(batch_deleted(batch_id), "corr-del", store)  # redelivered

    state = store.state
    assert batch_id not in state.batches and other in state.batches
    assert [e for e in state.essays.values() if e.batch_id == batch_id] == []
    assert [u for u in state.uploads.values() if u.upload.batch_id == batch_id] == []
    assert all(not essay_id.startswith(batch_id) for essay_id, _ in state.timeline)
    assert set(state.deleted) == {batch_id}
    assert len(state.published) == before  # forgetting announces nothing


async def test_late_results_and_commands_for_a_deleted_batch_are_dropped_not_dead_lettered() -> (
    None
):
    store = FakeUnitOfWork()
    batch_id, ids = await awaiting_spellcheck(store, "teacher-anna")
    await forget_batch(batch_deleted(batch_id), "corr-del", store)
    before = (len(store.state.published), store.commits)

    # Neither raises PermanentError (which would dead-letter them) nor brings anything back.
    for essay_id in ids:
        late = spellcheck_result(batch_id, essay_id, EssayStatus.SPELLCHECKED_SUCCESS)
        await record_spellcheck_result(late, "corr-late", store)
    await start_spellcheck(spellcheck_command(batch_id, [(ids[0], "a" * 32)]), CID, store)

    assert batch_id not in store.state.batches
    assert [e for e in store.state.essays if e.startswith(batch_id)] == []
    assert len(store.state.published) == before[0]
    assert not store.events_of(SpellcheckRequestedDataV1)[2:]  # only the two from before


async def test_a_registration_or_upload_overtaken_by_the_deletion_keeps_nothing() -> None:
    store = FakeUnitOfWork()
    batch_id = new_id("b")
    await forget_batch(batch_deleted(batch_id), "corr-del", store)  # overtook everything

    await assign_content_to_slot(content_ready(batch_id, name="Anna Svensson"), CID, store)
    await record_validation_failure(validation_failed(batch_id), CID, store)
    await register_batch(registered(batch_id, 2), CID, store)

    assert batch_id not in store.state.batches
    assert store.state.uploads == {}  # not even kept pending: the student's name is gone
    assert store.state.essays == {}
    assert store.state.published == []
