"""Event builders for ELS tests (unit and integration), with unique ids by default."""

from __future__ import annotations

import hashlib
import uuid
from typing import Literal

from common_core.enums import ContentType, ErrorCode, EssayStatus, Language
from common_core.events import (
    BatchDeleted,
    BatchEssaysRegistered,
    BatchServiceNlpInitiateCommandDataV1,
    BatchServiceSpellcheckInitiateCommandDataV1,
    EssayContentReady,
    EssayProcessingInputRef,
    EssayValidationFailed,
    NlpResultDataV1,
    SpellcheckResultDataV1,
)
from common_core.metadata import (
    EntityReference,
    StorageReferenceMetadata,
    SystemProcessingMetadata,
)
from common_core.nlp import NlpMetrics


def new_id(prefix: str) -> str:
    """A unique id, so tests sharing one broker never see each other's events."""
    return f"{prefix}-{uuid.uuid4().hex}"


def _meta(
    entity_id: str, entity_type: Literal["essay", "batch"] = "batch"
) -> SystemProcessingMetadata:
    return SystemProcessingMetadata(
        entity=EntityReference(entity_id=entity_id, entity_type=entity_type)
    )


# The teacher ELS tests' batches belong to, unless a test names another.
TEACHER_ID = "teacher-els-tests"


def registered(batch_id: str, count: int, teacher_id: str = TEACHER_ID) -> BatchEssaysRegistered:
    """A registration with `count` slots named after the batch, owned by `teacher_id`."""
    return BatchEssaysRegistered(
        batch_id=batch_id,
        expected_essay_count=count,
        essay_ids=[f"{batch_id}-essay-{i}" for i in range(count)],
        teacher_id=teacher_id,
        metadata=_meta(batch_id),
    )


def content_ready(
    batch_id: str, file_upload_id: str | None = None, text: str | None = None, name: str = ""
) -> EssayContentReady:
    """A content event whose text (hence hash and storage id) is unique unless given."""
    upload_id = file_upload_id or new_id("upload")
    body = text if text is not None else f"essay text of {upload_id}"
    digest = hashlib.sha256(body.encode()).hexdigest()
    return EssayContentReady(
        batch_id=batch_id,
        file_upload_id=upload_id,
        original_file_name=name or f"{upload_id}.txt",
        content_storage_reference=StorageReferenceMetadata(
            references={ContentType.ORIGINAL_ESSAY: digest[:32]}
        ),
        content_sha256=digest,
        student_name="Anna Svensson",
        student_email="anna@example.org",
        metadata=_meta(batch_id),
    )


def validation_failed(batch_id: str, name: str = "empty.txt") -> EssayValidationFailed:
    """A rejected upload."""
    return EssayValidationFailed(
        batch_id=batch_id,
        file_upload_id=new_id("failed"),
        original_file_name=name,
        error_code=ErrorCode.EMPTY_CONTENT,
        message="the file has no text",
        metadata=_meta(batch_id),
    )


def spellcheck_command(
    batch_id: str, essays: list[tuple[str, str]], language: Language = Language.SWEDISH
) -> BatchServiceSpellcheckInitiateCommandDataV1:
    """BOS's command for (essay_id, text_storage_id) pairs."""
    return BatchServiceSpellcheckInitiateCommandDataV1(
        batch_id=batch_id,
        essays_to_process=[
            EssayProcessingInputRef(essay_id=e, text_storage_id=t) for e, t in essays
        ],
        language=language,
        metadata=_meta(batch_id),
    )


def spellcheck_result(
    batch_id: str,
    essay_id: str,
    status: EssayStatus = EssayStatus.SPELLCHECKED_SUCCESS,
    corrections: int = 3,
) -> SpellcheckResultDataV1:
    """A spell checker result; success carries corrected-text and log references."""
    success = status is EssayStatus.SPELLCHECKED_SUCCESS
    return SpellcheckResultDataV1(
        batch_id=batch_id,
        entity_ref=EntityReference(entity_id=essay_id, entity_type="essay", parent_id=batch_id),
        status=status,
        original_text_storage_id="0" * 32,
        storage_metadata=StorageReferenceMetadata(
            references={
                ContentType.CORRECTED_TEXT: "c" * 32,
                ContentType.SPELLCHECK_LOG: "d" * 32,
            }
        )
        if success
        else None,
        corrections_made=corrections if success else None,
        language=Language.SWEDISH,
        error=None if success else "content service unavailable",
        metadata=_meta(essay_id, "essay"),
    )


def nlp_command(
    batch_id: str, essay_ids: list[str], language: Language = Language.SWEDISH
) -> BatchServiceNlpInitiateCommandDataV1:
    """BOS's NLP command for these essays."""
    return BatchServiceNlpInitiateCommandDataV1(
        batch_id=batch_id, essay_ids=essay_ids, language=language, metadata=_meta(batch_id)
    )


def nlp_metrics(words: int = 120) -> NlpMetrics:
    """Plausible metrics of an essay of `words` words (no repeated word, so no MTLD)."""
    return NlpMetrics(
        word_count=words,
        sentence_count=8,
        paragraph_count=3,
        mean_sentence_length=words / 8,
        type_token_ratio=0.6,
        mtld=None,
        lix=40.0,
        flesch_reading_ease=None,
        long_word_share=0.25,
        rare_word_share=0.1,
        spelling_error_rate=2.5,
    )


def nlp_result(
    batch_id: str,
    essay_id: str,
    status: EssayStatus = EssayStatus.NLP_SUCCESS,
    words: int = 120,
) -> NlpResultDataV1:
    """An NLP worker result; success carries the metrics and their stored JSON's reference."""
    success = status is EssayStatus.NLP_SUCCESS
    return NlpResultDataV1(
        batch_id=batch_id,
        entity_ref=EntityReference.essay(essay_id, batch_id),
        status=status,
        corrected_text_storage_id="c" * 32,
        storage_metadata=StorageReferenceMetadata(references={ContentType.NLP_METRICS: "e" * 32})
        if success
        else None,
        metrics=nlp_metrics(words) if success else None,
        language=Language.SWEDISH,
        error=None if success else "the text has no words",
        metadata=_meta(essay_id, "essay"),
    )


def batch_deleted(batch_id: str, teacher_id: str = TEACHER_ID) -> BatchDeleted:
    """BOS's word that the batch was deleted."""
    return BatchDeleted(batch_id=batch_id, teacher_id=teacher_id, metadata=_meta(batch_id))
