"""ELS decisions on pipeline phases: a phase's command hands its essays to the phase's worker,
and the worker's results are recorded on the essays and announced to BOS.

Every phase runs through the same two functions, `start_phase` and `record_phase_results`; what
differs per phase (the request, what a result records) is declared in phases.py. Same rules as
handlers.py: one transaction per call (a whole poll of results at once), idempotent, a failure is
a result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import structlog

from common_core.enums import Language
from common_core.events import (
    BatchServiceNlpInitiateCommandDataV1,
    BatchServiceSpellcheckInitiateCommandDataV1,
    NlpResultDataV1,
    SpellcheckResultDataV1,
)
from common_core.kafka import PermanentError
from common_core.logs import get_logger
from common_core.metadata import EntityReference, utc_now
from services.essay_lifecycle_service.domain import (
    Essay,
    PhaseOutcome,
    accepts_result,
    reached_phase,
)
from services.essay_lifecycle_service.handlers import Clock, lock_batches
from services.essay_lifecycle_service.metrics import ESSAY_TRANSITIONS
from services.essay_lifecycle_service.outgoing import state_updated
from services.essay_lifecycle_service.phases import NLP_METRICS, SPELLCHECK, Phase, R
from services.essay_lifecycle_service.protocols import UnitOfWork

logger = get_logger(__name__)


async def start_spellcheck(
    event: BatchServiceSpellcheckInitiateCommandDataV1,
    correlation_id: str,
    uow: UnitOfWork,
    now: Clock = utc_now,
) -> None:
    """Hand each ready essay to the spell checker (its stored text, which BOS's command names
    too); essays already handed out are skipped."""
    essay_ids = [ref.essay_id for ref in event.essays_to_process]
    await start_phase(
        SPELLCHECK, event.batch_id, essay_ids, event.language, correlation_id, uow, now
    )


async def start_nlp(
    event: BatchServiceNlpInitiateCommandDataV1,
    correlation_id: str,
    uow: UnitOfWork,
    now: Clock = utc_now,
) -> None:
    """Hand each spell-corrected essay to the NLP worker, with its corrected text and its
    corrections count (both from its spellcheck result); essays already handed out are skipped."""
    await start_phase(
        NLP_METRICS, event.batch_id, event.essay_ids, event.language, correlation_id, uow, now
    )


async def start_phase(
    phase: Phase[Any],
    batch_id: str,
    essay_ids: Sequence[str],
    language: Language,
    correlation_id: str,
    uow: UnitOfWork,
    now: Clock = utc_now,
) -> None:
    """A phase's command: every named essay to `awaiting_<phase>` with one request each.

    An essay already handed to this phase (or a later one) is skipped, so a redelivered command
    changes nothing. An essay the phase cannot run on (no text, no corrected text) records the
    phase's failure at once and tells BOS: a failure is a result, and BOS never waits for it.
    """
    spec, at = phase.spec, now()
    requested: list[str] = []
    failed: list[tuple[str, PhaseOutcome]] = []
    async with uow:
        await uow.essays.lock_batch(batch_id)
        batch = await uow.essays.get_batch(batch_id)
        if batch is None:
            if await uow.essays.deleted_among([batch_id]):
                logger.info("phase_command_for_deleted_batch_dropped", batch_id=batch_id)
                return
            raise PermanentError(f"{spec.name} command for unknown batch {batch_id}")
        teacher_id = batch.teacher_id
        await uow.essays.set_batch_language(batch_id, language.value)
        # One query for the batch's essays, not one per essay (200 essays: 1.6 s -> less).
        essays = {e.essay_id: e for e in await uow.essays.essays_of_batch(batch_id)}
        for essay_id in dict.fromkeys(essay_ids):
            essay = essays.get(essay_id)
            if essay is None:
                raise PermanentError(f"essay {essay_id} is not in batch {batch_id}")
            if reached_phase(essay.status, spec):
                logger.info("phase_already_requested", essay_id=essay_id, pipeline=spec.name)
                continue
            entity = EntityReference.essay(essay_id, batch_id)
            request = phase.request(essay, entity, language)
            if request is None:
                outcome = phase.failure(f"essay is {essay.status}: {spec.name} cannot run on it")
                failed.append((essay_id, outcome))
                update = state_updated(entity, outcome.status, spec.stage, teacher_id=teacher_id)
                uow.publish(update, correlation_id)
                logger.warning("phase_not_runnable", essay_id=essay_id, pipeline=spec.name)
                continue
            requested.append(essay_id)
            uow.publish(request, correlation_id)
            awaiting = state_updated(
                entity, spec.awaiting_status, spec.stage, teacher_id=teacher_id
            )
            uow.publish(awaiting, correlation_id)
        if requested:
            await uow.essays.set_statuses(
                requested, spec.awaiting_status, at, language=language.value
            )
        await uow.essays.record_outcomes(failed, at)
        await uow.commit()
    ESSAY_TRANSITIONS.labels(spec.awaiting_status.value).inc(len(requested))
    for _, outcome in failed:
        ESSAY_TRANSITIONS.labels(outcome.status.value).inc()
    logger.info(
        "phase_requested",
        batch_id=batch_id,
        pipeline=spec.name,
        essays=len(requested),
        not_runnable=len(failed),
    )


async def record_spellcheck_result(
    event: SpellcheckResultDataV1, correlation_id: str, uow: UnitOfWork, now: Clock = utc_now
) -> None:
    """Store the result's status and artifacts and tell BOS; a repeated result changes nothing."""
    await record_phase_results(SPELLCHECK, [(event, correlation_id)], uow, now)


async def record_spellcheck_results(
    events: Sequence[tuple[SpellcheckResultDataV1, str]],
    uow: UnitOfWork,
    now: Clock = utc_now,
) -> None:
    """`record_spellcheck_result` for several results, in order, in one transaction."""
    await record_phase_results(SPELLCHECK, events, uow, now)


async def record_nlp_results(
    events: Sequence[tuple[NlpResultDataV1, str]],
    uow: UnitOfWork,
    now: Clock = utc_now,
) -> None:
    """NLP results, in order, in one transaction: the metrics (or the error) on the essay, and
    the metrics passed on to BOS with the state update."""
    await record_phase_results(NLP_METRICS, events, uow, now)


async def record_phase_results(
    phase: Phase[R],
    events: Sequence[tuple[R, str]],
    uow: UnitOfWork,
    now: Clock = utc_now,
) -> None:
    """A poll of one phase's results in one transaction: the first result of each essay is
    recorded and announced to BOS (phase, status, any metrics); a repeat changes nothing."""
    spec = phase.spec
    for event, _ in events:
        if spec.result_of(event.status) is None:
            raise PermanentError(f"{spec.name} result with status {event.status.value}")
    at = now()
    recorded: list[tuple[str, PhaseOutcome]] = []
    async with uow:
        await lock_batches(uow.essays, (event.batch_id for event, _ in events))
        events = await _without_deleted_batches(uow, phase, events)
        essays = await uow.essays.get_essays([event.entity_ref.entity_id for event, _ in events])
        teachers = await _teachers(uow, {event.batch_id for event, _ in events})
        for event, correlation_id in events:
            with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
                outcome = _new_outcome(phase, essays, event)
            if outcome is None:
                continue
            essay_id = event.entity_ref.entity_id
            recorded.append((essay_id, outcome))
            entity = EntityReference.essay(essay_id, event.batch_id)
            update = state_updated(
                entity, outcome.status, spec.stage, outcome.metrics, teachers.get(event.batch_id)
            )
            uow.publish(update, correlation_id)
        # One statement for the poll's results, after the decisions (ordering within a poll
        # matters only for repeats, which `_new_outcome` has already filtered out).
        await uow.essays.record_outcomes(recorded, at)
        await uow.commit()
    for _, outcome in recorded:
        ESSAY_TRANSITIONS.labels(outcome.status.value).inc()
    logger.info(
        "phase_results_recorded", pipeline=spec.name, recorded=len(recorded), received=len(events)
    )


async def _without_deleted_batches(
    uow: UnitOfWork, phase: Phase[R], events: Sequence[tuple[R, str]]
) -> list[tuple[R, str]]:
    """The poll's results minus those of deleted batches: a result that was in flight when its
    batch was deleted is dropped with a log line (neither recorded nor dead-lettered)."""
    deleted = await uow.essays.deleted_among([event.batch_id for event, _ in events])
    for event, correlation_id in events:
        if event.batch_id in deleted:
            logger.info(
                "phase_result_for_deleted_batch_dropped",
                batch_id=event.batch_id,
                essay_id=event.entity_ref.entity_id,
                pipeline=phase.spec.name,
                correlation_id=correlation_id,
            )
    return [(event, cid) for event, cid in events if event.batch_id not in deleted]


async def _teachers(uow: UnitOfWork, batch_ids: set[str]) -> dict[str, str | None]:
    """Each batch's teacher, for the state updates (the gateway routes them by it)."""
    teachers: dict[str, str | None] = {}
    for batch_id in sorted(batch_ids):
        batch = await uow.essays.get_batch(batch_id)
        teachers[batch_id] = batch.teacher_id if batch is not None else None
    return teachers


def _new_outcome(phase: Phase[R], essays: dict[str, Essay], event: R) -> PhaseOutcome | None:
    """What a result records on its essay; None when the essay already has one for the phase.

    `essays` is the poll's essays as loaded; a taken result marks its essay there, so a repeat
    of the same result later in the poll is recognised.
    """
    essay_id = event.entity_ref.entity_id
    essay = essays.get(essay_id)
    if essay is None or essay.batch_id != event.batch_id:
        raise PermanentError(f"{phase.spec.name} result for unknown essay {essay_id}")
    if not accepts_result(essay.status, phase.spec):
        # The first result wins: BOS has already counted it, a second would contradict it.
        logger.info("phase_result_already_recorded", essay_id=essay_id, pipeline=phase.spec.name)
        return None
    essays[essay_id] = replace(essay, status=event.status.value)
    return phase.outcome(event)
