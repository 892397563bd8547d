"""The pipeline declaration: dependencies added, order kept, unknown names refused by name."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from common_core.enums import EssayStatus, Language, ProcessingEvent, ProcessingStage
from common_core.events import EssayProcessingInputRef
from common_core.metadata import EntityReference, SystemProcessingMetadata
from common_core.pipeline_catalog import (
    PIPELINES,
    PipelineSpec,
    UnknownPipelineError,
    pipeline_for_stage,
    resolve_pipelines,
)
from common_core.topics import topic_name


def names(requested: Iterable[str]) -> list[str]:
    return [spec.name for spec in resolve_pipelines(requested)]


def test_known_pipelines_are_spellcheck_and_nlp_metrics() -> None:
    assert list(PIPELINES) == ["spellcheck", "nlp_metrics"]
    assert PIPELINES["nlp_metrics"].depends_on == ("spellcheck",)
    assert PIPELINES["spellcheck"].depends_on == ()


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (["spellcheck"], ["spellcheck"]),
        (["nlp_metrics"], ["spellcheck", "nlp_metrics"]),
        (["nlp_metrics", "spellcheck"], ["spellcheck", "nlp_metrics"]),
        (["spellcheck", "nlp_metrics", "nlp_metrics"], ["spellcheck", "nlp_metrics"]),
        ([], []),
    ],
)
def test_request_resolves_to_phases_in_dependency_order(
    requested: list[str], expected: list[str]
) -> None:
    assert names(requested) == expected


def test_generator_requests_are_accepted() -> None:
    assert names(name for name in ("nlp_metrics",)) == ["spellcheck", "nlp_metrics"]


def test_unknown_pipeline_names_the_known_ones() -> None:
    with pytest.raises(UnknownPipelineError) as err:
        resolve_pipelines(["spellcheck", "grammar"])
    assert str(err.value) == "unknown pipeline 'grammar'; known pipelines: nlp_metrics, spellcheck"
    assert err.value.name == "grammar"
    assert err.value.known == ("nlp_metrics", "spellcheck")
    assert isinstance(err.value, ValueError)  # callers mapping ValueError to 422 still work


def test_declaration_lists_each_pipeline_after_its_dependencies() -> None:
    """resolve_pipelines relies on it: the declaration order is the run order."""
    seen: set[str] = set()
    for name, spec in PIPELINES.items():
        assert spec.name == name
        assert set(spec.depends_on) <= seen, f"{name} is declared before a dependency"
        seen.add(name)


def test_every_pipeline_has_its_own_stage_statuses_and_a_routed_command() -> None:
    specs = list(PIPELINES.values())
    assert len({s.stage for s in specs}) == len(specs)
    statuses = [
        status
        for spec in specs
        for status in (spec.awaiting_status, spec.success_status, spec.failure_status)
    ]
    assert len(set(statuses)) == len(statuses)
    for spec in specs:
        assert topic_name(spec.initiate_command).startswith("huleedu.els.")


def test_nlp_metrics_phase_uses_the_nlp_contracts() -> None:
    spec = PIPELINES["nlp_metrics"]
    assert spec.stage is ProcessingStage.NLP_METRICS
    assert spec.initiate_command is ProcessingEvent.BATCH_NLP_INITIATE_COMMAND
    assert (spec.awaiting_status, spec.success_status, spec.failure_status) == (
        EssayStatus.AWAITING_NLP,
        EssayStatus.NLP_SUCCESS,
        EssayStatus.NLP_FAILED,
    )


def test_pipeline_for_stage_maps_a_lifecycle_phase_to_its_pipeline() -> None:
    assert pipeline_for_stage(ProcessingStage.SPELLCHECK).name == "spellcheck"
    assert pipeline_for_stage(ProcessingStage.NLP_METRICS).name == "nlp_metrics"
    with pytest.raises(KeyError, match="registration"):
        pipeline_for_stage(ProcessingStage.REGISTRATION)


def test_each_phase_ends_in_a_terminal_essay_status() -> None:
    """A phase's results are terminal statuses (they move BOS's counts); waiting is not."""
    for spec in PIPELINES.values():
        assert spec.success_status.is_terminal and spec.failure_status.is_terminal
        assert not spec.awaiting_status.is_terminal


@pytest.mark.parametrize("spec", list(PIPELINES.values()), ids=lambda s: s.name)
def test_every_pipeline_command_builds_itself_for_essays(spec: PipelineSpec) -> None:
    """BOS starts any phase alike: through the command's own `for_essays`."""
    essays = [EssayProcessingInputRef(essay_id=e, text_storage_id=f"t-{e}") for e in ("a", "b")]
    meta = SystemProcessingMetadata(entity=EntityReference.batch("b1"))
    command = spec.command_model.for_essays("b1", essays, Language.SWEDISH, meta)
    assert command.event is spec.initiate_command
    assert command.batch_id == "b1" and command.partition_key() == "b1"
    dumped = command.model_dump()
    assert dumped["language"] == "sv"
    ids = dumped.get("essay_ids") or [e["essay_id"] for e in dumped["essays_to_process"]]
    assert ids == ["a", "b"]


def test_result_of_tells_success_failure_and_progress_apart() -> None:
    spec = PIPELINES["nlp_metrics"]
    assert spec.result_of(EssayStatus.NLP_SUCCESS) is True
    assert spec.result_of(EssayStatus.NLP_FAILED) is False
    assert spec.result_of(EssayStatus.AWAITING_NLP) is None
    assert spec.result_of(EssayStatus.SPELLCHECKED_SUCCESS) is None  # another phase's
