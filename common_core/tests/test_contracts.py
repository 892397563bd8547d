"""Every contract round-trips through JSON; enums serialise as values; topics are complete."""

from __future__ import annotations

import gc
import json
import weakref
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from common_core.enums import (
    BatchStatus,
    ContentType,
    ErrorCode,
    EssayStatus,
    Language,
    PipelineExecutionStatus,
    ProcessingEvent,
    ProcessingStage,
    language_for_course,
)
from common_core.envelope import EventEnvelope, envelope_type
from common_core.events import (
    EVENT_MODELS,
    BatchDeleted,
    BatchEssaysReady,
    BatchEssaysRegistered,
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
    BatchServiceNlpInitiateCommandDataV1,
    BatchServiceSpellcheckInitiateCommandDataV1,
    EssayContentReady,
    EssayLifecycleStateUpdated,
    EssayProcessingInputRef,
    EssayValidationFailed,
    EventData,
    FailedUpload,
    NlpRequestedDataV1,
    NlpResultDataV1,
    SpellcheckRequestedDataV1,
    SpellcheckResultDataV1,
)
from common_core.metadata import EntityReference, StorageReferenceMetadata, SystemProcessingMetadata
from common_core.nlp import METRIC_NAMES, NlpMetrics
from common_core.pipeline import EssayCounts, PipelineStateDetail, ProcessingPipelineState
from common_core.topics import TOPICS, all_topics, dlt_topic_name, topic_name

ESSAY = EntityReference(entity_id="essay-1", entity_type="essay", parent_id="batch-1")
META = SystemProcessingMetadata(
    entity=ESSAY,
    event=ProcessingEvent.ESSAY_CONTENT_READY,
    processing_stage=ProcessingStage.SPELLCHECK,
)
REF = EssayProcessingInputRef(essay_id="essay-1", text_storage_id="a" * 32)
STORAGE = StorageReferenceMetadata(
    references={ContentType.CORRECTED_TEXT: "b" * 32, ContentType.SPELLCHECK_LOG: "c" * 32}
)
METRICS = NlpMetrics(
    word_count=120,
    sentence_count=8,
    paragraph_count=3,
    mean_sentence_length=15.0,
    type_token_ratio=0.6,
    mtld=None,
    lix=40.0,
    flesch_reading_ease=None,
    long_word_share=0.25,
    rare_word_share=0.1,
    spelling_error_rate=2.5,
)

SAMPLES: list[EventData] = [
    BatchEssaysRegistered(
        batch_id="batch-1", expected_essay_count=2, essay_ids=["e1", "e2"], metadata=META
    ),
    EssayContentReady(
        batch_id="batch-1",
        file_upload_id="up-1",
        original_file_name="anna.txt",
        content_storage_reference=StorageReferenceMetadata(
            references={ContentType.ORIGINAL_ESSAY: "a" * 32}
        ),
        content_sha256="d" * 64,
        student_name="Anna Svensson",
        student_email="anna@example.se",
        metadata=META,
    ),
    EssayValidationFailed(
        batch_id="batch-1",
        file_upload_id="up-2",
        original_file_name="empty.txt",
        error_code=ErrorCode.EMPTY_CONTENT,
        message="the file has no text",
        metadata=META,
    ),
    BatchEssaysReady(
        batch_id="batch-1",
        ready_essays=[REF],
        failed_uploads=[
            FailedUpload(
                file_upload_id="up-2",
                file_name="empty.txt",
                error_code=ErrorCode.EMPTY_CONTENT,
                message="the file has no text",
            )
        ],
        metadata=META,
    ),
    BatchServiceSpellcheckInitiateCommandDataV1(
        batch_id="batch-1", essays_to_process=[REF], language=Language.SWEDISH, metadata=META
    ),
    SpellcheckRequestedDataV1(
        batch_id="batch-1",
        entity_ref=ESSAY,
        text_storage_id="a" * 32,
        language=Language.ENGLISH,
        metadata=META,
    ),
    SpellcheckResultDataV1(
        batch_id="batch-1",
        entity_ref=ESSAY,
        status=EssayStatus.SPELLCHECKED_SUCCESS,
        original_text_storage_id="a" * 32,
        storage_metadata=STORAGE,
        corrections_made=3,
        language=Language.ENGLISH,
        metadata=META,
    ),
    BatchServiceNlpInitiateCommandDataV1(
        batch_id="batch-1", essay_ids=["essay-1"], language=Language.ENGLISH, metadata=META
    ),
    NlpRequestedDataV1(
        batch_id="batch-1",
        entity_ref=ESSAY,
        corrected_text_storage_id="b" * 32,
        spellcheck_corrections=3,
        language=Language.SWEDISH,
        metadata=META,
    ),
    NlpResultDataV1(
        batch_id="batch-1",
        entity_ref=ESSAY,
        status=EssayStatus.NLP_SUCCESS,
        corrected_text_storage_id="b" * 32,
        storage_metadata=StorageReferenceMetadata(references={ContentType.NLP_METRICS: "e" * 32}),
        metrics=METRICS,
        language=Language.SWEDISH,
        metadata=META,
    ),
    EssayLifecycleStateUpdated(
        batch_id="batch-1",
        entity_ref=ESSAY,
        status=EssayStatus.SPELLCHECK_FAILED,
        phase=ProcessingStage.SPELLCHECK,
        metadata=META,
    ),
    BatchPipelineProgressUpdated(
        batch_id="batch-1",
        batch_status=BatchStatus.PROCESSING,
        pipeline_state=ProcessingPipelineState.model_validate(
            {
                "requested_pipelines": ["spellcheck", "nlp_metrics"],
                "spellcheck": PipelineStateDetail(
                    status=PipelineExecutionStatus.IN_PROGRESS,
                    essay_counts=EssayCounts(total=2, successful=1, pending=1),
                    started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                ),
            }
        ),
        metadata=META,
    ),
    BatchLifecycleCompleted(
        batch_id="batch-1",
        status=BatchStatus.PARTIALLY_COMPLETED,
        essay_counts=EssayCounts(total=2, successful=1, failed=1),
        failed_uploads=1,
        metadata=META,
    ),
    BatchDeleted(batch_id="batch-1", teacher_id="teacher-1", metadata=META),
]


def test_samples_cover_every_event() -> None:
    assert {type(s) for s in SAMPLES} == set(EVENT_MODELS.values())
    assert set(EVENT_MODELS) == set(ProcessingEvent)


@pytest.mark.parametrize("data", SAMPLES, ids=lambda d: type(d).__name__)
def test_envelope_round_trips_through_json(data: EventData) -> None:
    envelope = EventEnvelope.wrap(data, source_service="test", correlation_id="corr-1")
    raw = envelope.model_dump_json()
    decoded = envelope_type(type(data)).model_validate_json(raw)
    assert decoded == envelope
    assert type(decoded.data) is type(data)
    assert decoded.event_type == topic_name(data.event)
    assert decoded.schema_version == 1
    assert decoded.data_schema_uri == f"huleedu:{type(data).__name__}:v1"


@pytest.mark.parametrize("data", SAMPLES, ids=lambda d: type(d).__name__)
def test_partition_key_follows_the_design_table(data: EventData) -> None:
    per_essay = {ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED, ProcessingEvent.ESSAY_NLP_REQUESTED}
    expected = "essay-1" if data.event in per_essay else "batch-1"
    assert data.partition_key() == expected


def test_enums_serialise_as_values() -> None:
    envelope = EventEnvelope.wrap(SAMPLES[6], source_service="test", correlation_id="c")
    payload = json.loads(envelope.model_dump_json())["data"]
    assert payload["status"] == "spellchecked_success"
    assert payload["language"] == "en"
    assert payload["storage_metadata"]["references"] == {
        "corrected_text": "b" * 32,
        "spellcheck_log": "c" * 32,
    }
    assert payload["metadata"]["processing_stage"] == "spellcheck"


def test_pipeline_state_has_one_entry_per_requested_pipeline_and_round_trips() -> None:
    state = ProcessingPipelineState.pending(["spellcheck", "nlp_metrics"], total=3)
    dumped = json.loads(state.model_dump_json())
    assert list(dumped) == ["requested_pipelines", "spellcheck", "nlp_metrics"]
    assert dumped["nlp_metrics"] == {
        "status": "pending",
        "essay_counts": {"total": 3, "successful": 0, "failed": 0, "pending": 3, "skipped": 0},
        "started_at": None,
        "completed_at": None,
    }
    decoded = ProcessingPipelineState.model_validate_json(state.model_dump_json())
    assert decoded == state
    assert isinstance(decoded.detail("nlp_metrics"), PipelineStateDetail)
    with pytest.raises(KeyError):
        state.detail("grammar")


def test_pipeline_state_from_before_phases_still_decodes() -> None:
    """Stored states and old snapshots: `partially_completed` and no `skipped` count."""
    old = {
        "requested_pipelines": ["spellcheck"],
        "spellcheck": {
            "status": "partially_completed",
            "essay_counts": {"total": 2, "successful": 1, "failed": 1, "pending": 0},
        },
    }
    detail = ProcessingPipelineState.model_validate(old).detail("spellcheck")
    assert detail.status is PipelineExecutionStatus.COMPLETED_WITH_FAILURES
    assert detail.essay_counts.skipped == 0


def test_a_requested_pipeline_without_an_entry_gets_a_pending_one() -> None:
    state = ProcessingPipelineState.model_validate({"requested_pipelines": ["spellcheck"]})
    assert state.detail("spellcheck").status is PipelineExecutionStatus.PENDING


def test_terminal_pipeline_statuses() -> None:
    assert {s for s in PipelineExecutionStatus if not s.is_terminal} == {
        PipelineExecutionStatus.PENDING,
        PipelineExecutionStatus.IN_PROGRESS,
    }


def test_topic_name_for_every_event_is_unique_and_versioned() -> None:
    names = [topic_name(event) for event in ProcessingEvent]
    assert len(set(names)) == len(names)
    assert all(name.startswith("huleedu.") and name.endswith(".v1") for name in names)
    assert topic_name(ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED) == (
        "huleedu.essay.spellcheck.completed.v1"
    )


def test_topic_name_error_lists_every_mapping() -> None:
    with pytest.raises(ValueError) as err:
        topic_name("not.an.event")  # type: ignore[arg-type]
    text = str(err.value)
    assert "'not.an.event'" in text
    for event, topic in TOPICS.items():
        assert f"{event.name} -> {topic}" in text


def test_all_topics_has_a_dlt_twin_for_each() -> None:
    topics = all_topics()
    assert len(topics) == 2 * len(TOPICS)
    for topic in TOPICS.values():
        assert dlt_topic_name(topic) == f"{topic}.DLT" and f"{topic}.DLT" in topics


@pytest.mark.parametrize(
    ("course", "language"),
    [("ENG5", "en"), ("ENG6", "en"), ("ENG7", "en"), ("SV1", "sv"), ("SV2", "sv"), ("SV3", "sv")],
)
def test_course_code_implies_language(course: str, language: str) -> None:
    assert language_for_course(course) == language


def test_unknown_course_code_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="ENG5, ENG6, ENG7, SV1, SV2, SV3"):
        language_for_course("MATH1")


def test_terminal_batch_statuses() -> None:
    assert {s for s in BatchStatus if s.is_terminal} == {
        BatchStatus.COMPLETED,
        BatchStatus.PARTIALLY_COMPLETED,
        BatchStatus.FAILED,
    }


def test_envelope_type_survives_garbage_collection() -> None:
    """pydantic keeps parametrised generics only weakly; a collection must not make the next
    message rebuild `EventEnvelope[model]` (milliseconds of schema building per message)."""
    first = weakref.ref(envelope_type(BatchEssaysReady))
    gc.collect()
    assert first() is not None
    assert envelope_type(BatchEssaysReady) is first()


@pytest.mark.parametrize(
    ("event", "topic"),
    [
        (ProcessingEvent.BATCH_NLP_INITIATE_COMMAND, "huleedu.els.nlp.initiate.command.v1"),
        (ProcessingEvent.ESSAY_NLP_REQUESTED, "huleedu.essay.nlp.requested.v1"),
        (ProcessingEvent.ESSAY_NLP_RESULT_RECEIVED, "huleedu.essay.nlp.completed.v1"),
    ],
)
def test_nlp_topics_follow_the_design_table(event: ProcessingEvent, topic: str) -> None:
    assert topic_name(event) == topic


def test_nlp_result_carries_the_metrics_as_json_values() -> None:
    result = next(s for s in SAMPLES if isinstance(s, NlpResultDataV1))
    envelope = EventEnvelope.wrap(result, source_service="nlp_service", correlation_id="c")
    payload = json.loads(envelope.model_dump_json())["data"]
    assert payload["status"] == "nlp_success"
    assert payload["storage_metadata"]["references"] == {"nlp_metrics": "e" * 32}
    assert list(payload["metrics"]) == list(METRIC_NAMES)
    assert payload["metrics"]["mtld"] is None and payload["metrics"]["word_count"] == 120


def test_metric_names_are_the_eleven_design_lists() -> None:
    assert METRIC_NAMES == (
        "word_count",
        "sentence_count",
        "paragraph_count",
        "mean_sentence_length",
        "type_token_ratio",
        "mtld",
        "lix",
        "flesch_reading_ease",
        "long_word_share",
        "rare_word_share",
        "spelling_error_rate",
    )


@pytest.mark.parametrize(
    "bad",
    [{"word_count": 0}, {"type_token_ratio": 1.5}, {"rare_word_share": -0.1}],
    ids=["no-words", "ratio-above-one", "negative-share"],
)
def test_nlp_metrics_reject_impossible_values(bad: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        NlpMetrics.model_validate({**METRICS.model_dump(), **bad})


def test_nlp_essay_statuses_and_stage_values() -> None:
    assert [EssayStatus.AWAITING_NLP, EssayStatus.NLP_SUCCESS, EssayStatus.NLP_FAILED] == [
        "awaiting_nlp",
        "nlp_success",
        "nlp_failed",
    ]
    assert ProcessingStage("nlp_metrics") is ProcessingStage.NLP_METRICS
    assert ContentType("nlp_metrics") is ContentType.NLP_METRICS


TEACHER_ROUTED = (
    BatchEssaysRegistered,
    EssayLifecycleStateUpdated,
    BatchPipelineProgressUpdated,
    BatchLifecycleCompleted,
    BatchDeleted,
)


@pytest.mark.parametrize("model", TEACHER_ROUTED, ids=lambda m: m.__name__)
def test_teacher_id_is_optional_and_round_trips(model: type[EventData]) -> None:
    """Messages written before teacher_id existed still decode; new ones carry it through."""
    sample = next(s for s in SAMPLES if type(s) is model)
    old = sample.model_dump(mode="json")
    old.pop("teacher_id")
    assert model.model_validate(old).model_dump()["teacher_id"] is None
    with_teacher = model.model_validate({**old, "teacher_id": "teacher-7"})
    envelope = EventEnvelope.wrap(with_teacher, source_service="test", correlation_id="c")
    decoded = envelope_type(model).model_validate_json(envelope.model_dump_json())
    assert decoded.data.model_dump()["teacher_id"] == "teacher-7"


def test_batch_deleted_topic_follows_the_design_table() -> None:
    assert topic_name(ProcessingEvent.BATCH_DELETED) == "huleedu.batch.deleted.v1"
    assert BatchDeleted(batch_id="b-9", metadata=META).partition_key() == "b-9"
