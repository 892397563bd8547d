"""How ELS runs each pipeline's phase, declared once per pipeline of common_core.pipeline_catalog:
what it asks the phase's worker for one essay, what a result records on the essay, and what an
essay the phase cannot run on records instead (a failure is a result, so BOS never waits).

The handlers (`start_phase`, `record_phase_results`) are the same for every phase; a new phase
adds one `Phase` here, its columns, and its two routes in worker_main.py. No I/O here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from common_core.enums import ContentType, EssayStatus, Language
from common_core.events import EventData, NlpResultDataV1, SpellcheckResultDataV1
from common_core.metadata import EntityReference
from common_core.pipeline_catalog import PIPELINES, PipelineSpec
from services.essay_lifecycle_service.domain import Essay, PhaseOutcome
from services.essay_lifecycle_service.outgoing import nlp_requested, spellcheck_requested


class PhaseResult(Protocol):
    """What every phase's result event has: the essay, its batch and the outcome's status."""

    @property
    def batch_id(self) -> str: ...

    @property
    def entity_ref(self) -> EntityReference: ...

    @property
    def status(self) -> EssayStatus: ...


R = TypeVar("R", bound=PhaseResult, contravariant=True)


@dataclass(frozen=True)
class Phase(Generic[R]):
    """One pipeline's phase as ELS runs it."""

    spec: PipelineSpec
    # The request for one essay's worker, or None when the essay lacks what the phase needs.
    request: Callable[[Essay, EntityReference, Language], EventData | None]
    # What a result records on its essay.
    outcome: Callable[[R], PhaseOutcome]
    # What an essay the phase cannot run on records instead, with this error.
    failure: Callable[[str], PhaseOutcome]


def _spellcheck_request(
    essay: Essay, entity: EntityReference, language: Language
) -> EventData | None:
    if essay.status != EssayStatus.READY_FOR_PROCESSING.value or essay.text_storage_id is None:
        return None
    return spellcheck_requested(entity, essay.text_storage_id, language)


def spellcheck_outcome(event: SpellcheckResultDataV1) -> PhaseOutcome:
    """A spellcheck result: status, language, corrected text and log references, count."""
    references = event.storage_metadata
    return PhaseOutcome(
        event.status,
        {
            "language": event.language.value,
            "corrected_text_storage_id": (
                references.storage_id(ContentType.CORRECTED_TEXT) if references else None
            ),
            "spellcheck_log_storage_id": (
                references.storage_id(ContentType.SPELLCHECK_LOG) if references else None
            ),
            "corrections_made": event.corrections_made,
            "error": event.error,
        },
    )


def _nlp_request(essay: Essay, entity: EntityReference, language: Language) -> EventData | None:
    corrected = essay.corrected_text_storage_id
    if essay.status != EssayStatus.SPELLCHECKED_SUCCESS.value or corrected is None:
        return None
    return nlp_requested(entity, corrected, essay.corrections_made or 0, language)


def nlp_outcome(event: NlpResultDataV1) -> PhaseOutcome:
    """An NLP result: status, the stored metrics' reference, the metrics themselves (for the
    essay view, and for BOS's class summary), or the error."""
    references = event.storage_metadata
    success = event.status is EssayStatus.NLP_SUCCESS
    metrics = event.metrics.model_dump() if success and event.metrics is not None else None
    return PhaseOutcome(
        event.status,
        {
            "nlp_metrics_storage_id": (
                references.storage_id(ContentType.NLP_METRICS) if references else None
            ),
            "nlp_metrics": metrics,
            "nlp_error": event.error,
        },
        metrics=metrics,
    )


SPELLCHECK: Phase[SpellcheckResultDataV1] = Phase(
    spec=PIPELINES["spellcheck"],
    request=_spellcheck_request,
    outcome=spellcheck_outcome,
    failure=lambda error: PhaseOutcome(EssayStatus.SPELLCHECK_FAILED, {"error": error}),
)

NLP_METRICS: Phase[NlpResultDataV1] = Phase(
    spec=PIPELINES["nlp_metrics"],
    request=_nlp_request,
    outcome=nlp_outcome,
    failure=lambda error: PhaseOutcome(EssayStatus.NLP_FAILED, {"nlp_error": error}),
)
