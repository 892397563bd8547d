"""The NLP phase in ELS against the in-memory store: command, requests, results, first wins."""

from __future__ import annotations

import pytest

from common_core.enums import EssayStatus, ProcessingStage
from common_core.events import EssayLifecycleStateUpdated, NlpRequestedDataV1
from common_core.kafka import PermanentError
from services.essay_lifecycle_service.handlers import assign_content_to_slot, register_batch
from services.essay_lifecycle_service.phase_handlers import (
    record_nlp_results,
    record_spellcheck_result,
    start_nlp,
    start_spellcheck,
)
from services.essay_lifecycle_service.tests.unit.fakes import FakeUnitOfWork
from tests.support.els_events import (
    content_ready,
    new_id,
    nlp_command,
    nlp_result,
    registered,
    spellcheck_command,
    spellcheck_result,
)

CID = "corr-1"
OK, FAILED = EssayStatus.SPELLCHECKED_SUCCESS, EssayStatus.SPELLCHECK_FAILED


async def spellchecked(store: FakeUnitOfWork, *outcomes: EssayStatus) -> tuple[str, list[str]]:
    """A batch whose essays have these spellcheck results (successes made 4 corrections)."""
    batch_id = new_id("b")
    await register_batch(registered(batch_id, len(outcomes)), CID, store)
    for _ in outcomes:
        await assign_content_to_slot(content_ready(batch_id), CID, store)
    ids = [f"{batch_id}-essay-{i}" for i in range(len(outcomes))]
    texts = [(e, store.state.essays[e].text_storage_id or "") for e in ids]
    await start_spellcheck(spellcheck_command(batch_id, texts), CID, store)
    for essay_id, status in zip(ids, outcomes, strict=True):
        result = spellcheck_result(batch_id, essay_id, status, corrections=4)
        await record_spellcheck_result(result, CID, store)
    return batch_id, ids


def updates(store: FakeUnitOfWork, phase: ProcessingStage) -> list[EssayLifecycleStateUpdated]:
    return [
        u
        for u in store.events_of(EssayLifecycleStateUpdated)
        if isinstance(u, EssayLifecycleStateUpdated) and u.phase is phase
    ]


async def test_the_nlp_command_requests_each_corrected_essay_once() -> None:
    store = FakeUnitOfWork()
    batch_id, ids = await spellchecked(store, OK, OK)

    await start_nlp(nlp_command(batch_id, ids), "corr-nlp", store)
    await start_nlp(nlp_command(batch_id, ids), "corr-nlp", store)  # redelivered

    requests = [r for r in store.events_of(NlpRequestedDataV1)]
    assert len(requests) == 2
    for request, essay_id in zip(requests, ids, strict=True):
        assert isinstance(request, NlpRequestedDataV1)
        assert request.entity_ref.entity_id == essay_id
        assert request.corrected_text_storage_id == "c" * 32
        assert request.spellcheck_corrections == 4
        assert request.partition_key() == essay_id
    assert {store.state.essays[e].status for e in ids} == {"awaiting_nlp"}
    assert [u.status for u in updates(store, ProcessingStage.NLP_METRICS)] == [
        EssayStatus.AWAITING_NLP
    ] * 2


async def test_an_essay_without_corrected_text_fails_nlp_at_once() -> None:
    store = FakeUnitOfWork()
    batch_id, (good, bad) = await spellchecked(store, OK, FAILED)

    await start_nlp(nlp_command(batch_id, [good, bad]), CID, store)

    assert len(store.events_of(NlpRequestedDataV1)) == 1
    essay = store.state.essays[bad]
    assert essay.status == "nlp_failed" and "spellcheck_failed" in (essay.nlp_error or "")
    [update] = [
        u for u in updates(store, ProcessingStage.NLP_METRICS) if u.entity_ref.entity_id == bad
    ]
    assert update.status is EssayStatus.NLP_FAILED


async def test_results_record_the_metrics_pass_them_to_bos_and_the_first_wins() -> None:
    store = FakeUnitOfWork()
    batch_id, (a, b) = await spellchecked(store, OK, OK)
    await start_nlp(nlp_command(batch_id, [a, b]), CID, store)
    commits = store.commits

    success, failure = (
        nlp_result(batch_id, a, words=200),
        nlp_result(batch_id, b, EssayStatus.NLP_FAILED),
    )
    late = nlp_result(batch_id, b)  # a success after b's failure: the failure stands
    await record_nlp_results(
        [(success, "r1"), (failure, "r2"), (success, "r1"), (late, "r3")], store
    )

    assert store.commits == commits + 1
    first = store.state.essays[a]
    assert first.status == "nlp_success" and first.nlp_metrics_storage_id == "e" * 32
    assert first.nlp_metrics is not None and first.nlp_metrics["word_count"] == 200
    second = store.state.essays[b]
    assert (second.status, second.nlp_error) == ("nlp_failed", "the text has no words")
    results = [u for u in updates(store, ProcessingStage.NLP_METRICS) if u.status.is_terminal]
    assert [(u.entity_ref.entity_id, u.status) for u in results] == [
        (a, EssayStatus.NLP_SUCCESS),
        (b, EssayStatus.NLP_FAILED),
    ]
    assert results[0].metrics is not None and results[0].metrics["word_count"] == 200
    assert results[1].metrics is None
    timeline = [s for e, s in store.state.timeline if e == a]
    assert timeline[-3:] == ["spellchecked_success", "awaiting_nlp", "nlp_success"]


async def test_a_late_spellcheck_result_does_not_undo_the_nlp_phase() -> None:
    store = FakeUnitOfWork()
    batch_id, (essay_id,) = await spellchecked(store, OK)
    await start_nlp(nlp_command(batch_id, [essay_id]), CID, store)
    published = len(store.state.published)

    await record_spellcheck_result(spellcheck_result(batch_id, essay_id, FAILED), CID, store)
    await start_spellcheck(spellcheck_command(batch_id, [(essay_id, "x")]), CID, store)

    assert store.state.essays[essay_id].status == "awaiting_nlp"
    assert len(store.state.published) == published


async def test_a_result_of_another_phase_or_for_an_unknown_essay_is_permanent() -> None:
    store = FakeUnitOfWork()
    batch_id, (essay_id,) = await spellchecked(store, OK)
    await start_nlp(nlp_command(batch_id, [essay_id]), CID, store)
    commits = store.commits

    wrong = nlp_result(batch_id, essay_id).model_copy(update={"status": OK})
    with pytest.raises(PermanentError, match="nlp_metrics result with status"):
        await record_nlp_results([(wrong, CID)], store)
    with pytest.raises(PermanentError, match="unknown essay"):
        await record_nlp_results([(nlp_result(batch_id, "ghost"), CID)], store)
    with pytest.raises(PermanentError, match="not in batch"):
        await start_nlp(nlp_command(batch_id, ["ghost"]), CID, store)

    assert store.commits == commits
