"""One NLP request in, one result out: the per-message decision, with its I/O injected.

Outcomes:
- success: the metrics JSON stored in Content Service, `nlp_success` published with them;
- the text can never be had (unknown id, not UTF-8), it has no words, the analysis raised, or
  Content Service refused the blob: `nlp_failed` published with the error (a failure is a
  result, so the batch never waits for this essay);
- Content Service unreachable or 5xx, or Kafka failing: the error propagates and the consuming
  loop retries the whole message with backoff. Nothing is published for a transient outage.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from common_core.content_client import StoreRejectedError, UnusableTextError
from common_core.enums import Language
from common_core.envelope import EventEnvelope
from common_core.events import NlpRequestedDataV1, NlpResultDataV1
from common_core.logs import get_logger
from common_core.nlp import NlpMetrics
from services.nlp_service import outgoing
from services.nlp_service.domain import LanguageData, NoWordsError, compute_metrics
from services.nlp_service.metrics import ANALYSIS_SECONDS, PROCESSING_SECONDS, RESULTS
from services.nlp_service.protocols import FetchText, PublishResult, StoreMetrics

logger = get_logger(__name__)


class AnalysisError(Exception):
    """The metrics could not be computed for a reason other than the text itself (a bug)."""


async def handle_nlp_request(
    envelope: EventEnvelope[NlpRequestedDataV1],
    *,
    fetch_text: FetchText,
    store_metrics: StoreMetrics,
    publish: PublishResult,
    language_data: Mapping[Language, LanguageData],
) -> NlpResultDataV1:
    """Analyse one essay and publish its result under the request's correlation id.

    Returns what was published; raises ContentUnavailable (or a Kafka error) to be retried.
    """
    request = envelope.data
    essay_id = request.entity_ref.entity_id
    started = time.perf_counter()
    try:
        text = await fetch_text(request.corrected_text_storage_id)
        metrics = await _analyse(text, request, language_data[request.language])
        storage_id = await store_metrics(metrics, request.batch_id)
        result = outgoing.nlp_succeeded(request, storage_id, metrics)
    except (UnusableTextError, StoreRejectedError, NoWordsError, AnalysisError) as exc:
        logger.warning("nlp_failed", essay_id=essay_id, error=str(exc))
        result = outgoing.nlp_failed(request, str(exc))
    await publish(result, envelope.correlation_id)
    PROCESSING_SECONDS.labels(request.language).observe(time.perf_counter() - started)
    RESULTS.labels(request.language, result.status).inc()
    logger.info(
        "nlp_result_published",
        essay_id=essay_id,
        status=result.status,
        language=request.language,
        word_count=result.metrics.word_count if result.metrics else None,
        error=result.error,
    )
    return result


async def _analyse(text: str, request: NlpRequestedDataV1, data: LanguageData) -> NlpMetrics:
    """The metrics, computed in a worker thread: an essay takes about a millisecond, but a
    very long text must not hold the event loop (and the Kafka heartbeats on it)."""
    started = time.perf_counter()
    try:
        metrics = await asyncio.to_thread(
            compute_metrics, text, request.spellcheck_corrections, data
        )
    except NoWordsError:
        raise
    except Exception as exc:  # a metrics bug must not stall the batch: report it as a result
        logger.exception("nlp_analysis_error", essay_id=request.entity_ref.entity_id)
        raise AnalysisError(f"analysis error: {type(exc).__name__}: {exc}") from exc
    ANALYSIS_SECONDS.labels(request.language).observe(time.perf_counter() - started)
    return metrics
