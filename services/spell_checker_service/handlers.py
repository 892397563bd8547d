"""One spellcheck request in, one result out: the per-message decision, with its I/O injected.

Outcomes:
- success: corrected text and corrections log stored, `spellchecked_success` published;
- the text can never be had (unknown id, not decodable), the checker raised, or Content Service
  refused a blob: `spellcheck_failed` published with the error (a failure is a result);
- Content Service unreachable or 5xx, the checker processes died, or Kafka failing: the error
  propagates and the consuming loop retries the whole message with backoff. Nothing is
  published for a transient outage, so an essay is never failed for one.
"""

from __future__ import annotations

import json
import time

from common_core.content_client import StoreRejectedError, UnusableTextError
from common_core.envelope import EventEnvelope
from common_core.events import SpellcheckRequestedDataV1, SpellcheckResultDataV1
from common_core.logs import get_logger
from services.spell_checker_service.corrector import CheckResult
from services.spell_checker_service.metrics import (
    CHECK_SECONDS,
    CORRECTIONS,
    PROCESSING_SECONDS,
    RESULTS,
)
from services.spell_checker_service.outgoing import spellcheck_failed, spellchecked
from services.spell_checker_service.protocols import (
    CheckText,
    FetchText,
    PublishResult,
    StoreTexts,
    TransientError,
)

logger = get_logger(__name__)

TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
LOG_CONTENT_TYPE = "application/json"


async def handle_spellcheck_request(
    envelope: EventEnvelope[SpellcheckRequestedDataV1],
    *,
    fetch_text: FetchText,
    store_texts: StoreTexts,
    check: CheckText,
    publish: PublishResult,
) -> SpellcheckResultDataV1:
    """Check one essay and publish its result under the request's correlation id.

    Returns what was published; raises TransientError (or a Kafka error) to be retried.
    """
    request = envelope.data
    essay_id = request.entity_ref.entity_id
    started = time.perf_counter()
    try:
        result = await _check_and_store(request, fetch_text, store_texts, check)
    except (UnusableTextError, StoreRejectedError) as exc:
        logger.warning("spellcheck_failed", essay_id=essay_id, error=str(exc))
        result = spellcheck_failed(request, str(exc))
    await publish(result, envelope.correlation_id)
    PROCESSING_SECONDS.labels(request.language).observe(time.perf_counter() - started)
    RESULTS.labels(request.language, result.status).inc()
    if result.corrections_made:
        CORRECTIONS.labels(request.language).inc(result.corrections_made)
    logger.info(
        "spellcheck_result_published",
        essay_id=essay_id,
        status=result.status,
        language=request.language,
        corrections=result.corrections_made,
        error=result.error,
    )
    return result


async def _check_and_store(
    request: SpellcheckRequestedDataV1,
    fetch_text: FetchText,
    store_texts: StoreTexts,
    check: CheckText,
) -> SpellcheckResultDataV1:
    text = await fetch_text(request.text_storage_id)
    check_started = time.perf_counter()
    try:
        checked = await check(text, request.language)
    except TransientError:
        raise
    except Exception as exc:  # a checker bug must not stall the batch: report it as a result
        logger.exception("spellcheck_checker_error", essay_id=request.entity_ref.entity_id)
        return spellcheck_failed(request, f"checker error: {type(exc).__name__}: {exc}")
    CHECK_SECONDS.labels(request.language).observe(time.perf_counter() - check_started)
    # Both blobs in one Content Service request (one HTTP round trip and one request's overhead
    # on either side instead of two); it keeps both or neither.
    corrected_id, log_id = await store_texts(
        [(checked.text, TEXT_CONTENT_TYPE), (corrections_log(checked), LOG_CONTENT_TYPE)],
        request.batch_id,
    )
    return spellchecked(request, corrected_id, log_id, len(checked.corrections))


def corrections_log(checked: CheckResult) -> str:
    """The stored log: a JSON list of `{original, corrected, start, end}` in text order."""
    entries = [correction.as_log_entry() for correction in checked.corrections]
    return json.dumps(entries, ensure_ascii=False)
