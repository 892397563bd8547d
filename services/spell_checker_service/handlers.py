"""One spellcheck request in, one result out: the per-message decision, I/O injected."""

from __future__ import annotations

import json
import time

from common_core.enums import ContentType, EssayStatus, ProcessingEvent, ProcessingStage
from common_core.envelope import EventEnvelope
from common_core.events import SpellcheckRequestedDataV1, SpellcheckResultDataV1
from common_core.logs import get_logger
from common_core.metadata import StorageReferenceMetadata, SystemProcessingMetadata
from services.spell_checker_service.metrics import CORRECTIONS, PROCESSING_SECONDS, RESULTS
from services.spell_checker_service.protocols import (
    CheckText,
    ContentUnavailable,
    FetchText,
    PublishResult,
    StoreContent,
    TextNotFoundError,
)

logger = get_logger(__name__)


async def handle_spellcheck_request(
    envelope: EventEnvelope[SpellcheckRequestedDataV1],
    *,
    fetch_text: FetchText,
    store_content: StoreContent,
    check: CheckText,
    publish: PublishResult,
) -> SpellcheckResultDataV1:
    """Check one essay and publish its result; returns what was published.

    A missing or unreadable text, or a checker error, is published as `spellcheck_failed`
    (a failure is a result). Content Service or Kafka being unavailable raises instead, so the
    consuming loop retries the whole message.
    """
    request = envelope.data
    started = time.perf_counter()
    try:
        text = await fetch_text(request.text_storage_id)
        checked = await check(text, request.language)
    except TextNotFoundError as exc:
        result = _result(request, EssayStatus.SPELLCHECK_FAILED, error=str(exc))
    except Exception as exc:  # a checker bug must not stall the batch: report it as a result
        if isinstance(exc, ConnectionError | TimeoutError | ContentUnavailable):
            raise
        logger.exception("spellcheck_checker_failed", essay_id=request.entity_ref.entity_id)
        result = _result(request, EssayStatus.SPELLCHECK_FAILED, error=f"checker error: {exc}")
    else:
        corrected_id = await store_content(
            checked.text.encode("utf-8"), "text/plain; charset=utf-8"
        )
        log = [
            {"original": c.original, "corrected": c.corrected, "start": c.start, "end": c.end}
            for c in checked.corrections
        ]
        log_id = await store_content(
            json.dumps(log, ensure_ascii=False).encode("utf-8"), "application/json"
        )
        result = _result(
            request,
            EssayStatus.SPELLCHECKED_SUCCESS,
            storage=StorageReferenceMetadata(
                references={
                    ContentType.CORRECTED_TEXT: corrected_id,
                    ContentType.SPELLCHECK_LOG: log_id,
                }
            ),
            corrections=len(checked.corrections),
        )
        CORRECTIONS.labels(request.language).inc(len(checked.corrections))
    await publish(result, envelope.correlation_id)
    PROCESSING_SECONDS.labels(request.language).observe(time.perf_counter() - started)
    RESULTS.labels(request.language, result.status).inc()
    logger.info(
        "spellcheck_result_published",
        essay_id=request.entity_ref.entity_id,
        status=result.status,
        corrections=result.corrections_made,
        error=result.error,
    )
    return result


def _result(
    request: SpellcheckRequestedDataV1,
    status: EssayStatus,
    *,
    storage: StorageReferenceMetadata | None = None,
    corrections: int | None = None,
    error: str | None = None,
) -> SpellcheckResultDataV1:
    return SpellcheckResultDataV1(
        batch_id=request.batch_id,
        entity_ref=request.entity_ref,
        status=status,
        original_text_storage_id=request.text_storage_id,
        storage_metadata=storage,
        corrections_made=corrections,
        language=request.language,
        error=error,
        metadata=SystemProcessingMetadata(
            entity=request.entity_ref,
            event=ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED,
            processing_stage=ProcessingStage.SPELLCHECK,
            error_info={"message": error} if error else {},
        ),
    )
