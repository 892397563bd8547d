"""Event builders for ELS tests (unit and integration), with unique ids by default."""

from __future__ import annotations

import hashlib
import uuid
from typing import Literal

from common_core.enums import ContentType, ErrorCode, EssayStatus, Language
from common_core.events import (
    BatchEssaysRegistered,
    BatchServiceSpellcheckInitiateCommandDataV1,
    EssayContentReady,
    EssayProcessingInputRef,
    EssayValidationFailed,
    SpellcheckResultDataV1,
)
from common_core.metadata import (
    EntityReference,
    StorageReferenceMetadata,
    SystemProcessingMetadata,
)


def new_id(prefix: str) -> str:
    """A unique id, so tests sharing one broker never see each other's events."""
    return f"{prefix}-{uuid.uuid4().hex}"


def _meta(
    entity_id: str, entity_type: Literal["essay", "batch"] = "batch"
) -> SystemProcessingMetadata:
    return SystemProcessingMetadata(
        entity=EntityReference(entity_id=entity_id, entity_type=entity_type)
    )


def registered(batch_id: str, count: int) -> BatchEssaysRegistered:
    """A registration with `count` slots named after the batch."""
    return BatchEssaysRegistered(
        batch_id=batch_id,
        expected_essay_count=count,
        essay_ids=[f"{batch_id}-essay-{i}" for i in range(count)],
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
