"""The processing pipelines a teacher can request, and what each depends on, declared once.

A pipeline is one processing phase run over a batch's essays. BOS resolves a request with
`resolve_pipelines` (dependencies added, in the order they must run) and starts each phase with
its `initiate_command`; ELS moves an essay to `awaiting_status` and records
`success_status` / `failure_status` from the phase's results; an essay that failed a phase is
skipped in every phase that depends on it. A new phase is one more `PipelineSpec` here (plus
its worker and its ELS route), never a new branch in BOS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from common_core.enums import EssayStatus, ProcessingEvent, ProcessingStage
from common_core.events import EVENT_MODELS, PhaseInitiateCommand


@dataclass(frozen=True)
class PipelineSpec:
    """One requestable pipeline: its name, prerequisites, and the names it goes by elsewhere."""

    name: str
    depends_on: tuple[str, ...]
    stage: ProcessingStage
    initiate_command: ProcessingEvent
    awaiting_status: EssayStatus
    success_status: EssayStatus
    failure_status: EssayStatus

    @property
    def command_model(self) -> type[PhaseInitiateCommand]:
        """The contract of `initiate_command`, which knows how to build itself for essays."""
        model = EVENT_MODELS[self.initiate_command]
        if not issubclass(model, PhaseInitiateCommand):
            raise TypeError(f"{model.__name__} is not a PhaseInitiateCommand")
        return model

    def result_of(self, status: EssayStatus) -> bool | None:
        """True/False when `status` is this phase's success/failure result; None otherwise
        (e.g. the awaiting status, which is progress and not a result)."""
        if status is self.success_status:
            return True
        if status is self.failure_status:
            return False
        return None


PIPELINES: Mapping[str, PipelineSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            PipelineSpec(
                name="spellcheck",
                depends_on=(),
                stage=ProcessingStage.SPELLCHECK,
                initiate_command=ProcessingEvent.BATCH_SPELLCHECK_INITIATE_COMMAND,
                awaiting_status=EssayStatus.AWAITING_SPELLCHECK,
                success_status=EssayStatus.SPELLCHECKED_SUCCESS,
                failure_status=EssayStatus.SPELLCHECK_FAILED,
            ),
            PipelineSpec(
                # Runs on the corrected text and reports spellcheck's corrections per 100 words.
                name="nlp_metrics",
                depends_on=("spellcheck",),
                stage=ProcessingStage.NLP_METRICS,
                initiate_command=ProcessingEvent.BATCH_NLP_INITIATE_COMMAND,
                awaiting_status=EssayStatus.AWAITING_NLP,
                success_status=EssayStatus.NLP_SUCCESS,
                failure_status=EssayStatus.NLP_FAILED,
            ),
        )
    }
)
"""Every known pipeline by name, each declared after the pipelines it depends on."""


class UnknownPipelineError(ValueError):
    """A requested pipeline name is not declared; the message names the known ones."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.known = tuple(sorted(PIPELINES))
        super().__init__(f"unknown pipeline {name!r}; known pipelines: {', '.join(self.known)}")


def resolve_pipelines(requested: Iterable[str]) -> list[PipelineSpec]:
    """The pipelines to run for a request: each requested one and everything it depends on,
    once each, every pipeline after its dependencies (ties in declaration order).

    Raises:
        UnknownPipelineError: a requested name is not in PIPELINES.
    """
    needed: set[str] = set()
    pending = list(requested)
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        if name not in PIPELINES:
            raise UnknownPipelineError(name)
        needed.add(name)
        pending.extend(PIPELINES[name].depends_on)
    # PIPELINES lists every pipeline after its dependencies, so its order is a valid one.
    return [spec for name, spec in PIPELINES.items() if name in needed]


def pipeline_for_stage(stage: ProcessingStage) -> PipelineSpec:
    """The pipeline whose phase is `stage` (e.g. the `phase` of an EssayLifecycleStateUpdated).

    Raises:
        KeyError: no pipeline runs in that stage (registration, ingestion, completion).
    """
    for spec in PIPELINES.values():
        if spec.stage is stage:
            return spec
    raise KeyError(f"no pipeline runs in stage {stage.value!r}")
