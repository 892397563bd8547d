"""The per-message decision with fakes: success, failures that are results, retried errors."""

from __future__ import annotations

import json

import pytest

from common_core.content_client import ContentUnavailable, StoreRejectedError
from common_core.enums import ContentType, EssayStatus, Language, ProcessingStage
from common_core.nlp import NlpMetrics
from services.nlp_service.domain import LanguageData
from services.nlp_service.handlers import handle_nlp_request
from services.nlp_service.language_data import LanguageTable
from services.nlp_service.tests.unit.fakes import FakeContent, FakePublisher, nlp_request

# 8 words, 2 sentences; "friends" and "laughed" have 7 letters; "friends" is not in the list.
TEXT = "We walked home. My friends laughed a lot."
COMMON = frozenset({"we", "walked", "home", "my", "laughed", "a", "lot"})
DATA = LanguageTable(
    {
        Language.ENGLISH: LanguageData(COMMON, syllables=lambda word: 1),
        Language.SWEDISH: LanguageData(COMMON),
    }
)


async def handle(
    content: FakeContent, publisher: FakePublisher, storage_id: str, **request: object
) -> None:
    await handle_nlp_request(
        nlp_request(storage_id, **request),  # type: ignore[arg-type]
        fetch_text=content.fetch_text,
        store_metrics=content.store_metrics,
        publish=publisher.publish,
        language_data=DATA,
    )


async def test_success_stores_the_metrics_json_and_publishes_them() -> None:
    content, publisher = FakeContent(), FakePublisher()
    text_id = content.put_text(TEXT)

    await handle(content, publisher, text_id, corrections=2)

    [(result, correlation_id)] = publisher.published
    assert correlation_id == "corr-1"
    assert result.status == EssayStatus.NLP_SUCCESS and result.error is None
    assert result.entity_ref.entity_id == "essay-1" and result.batch_id == "batch-1"
    assert result.corrected_text_storage_id == text_id
    assert result.metadata.processing_stage == ProcessingStage.NLP_METRICS
    assert result.storage_metadata is not None
    metrics_id = result.storage_metadata.storage_id(ContentType.NLP_METRICS)
    assert metrics_id is not None
    stored = NlpMetrics.model_validate(json.loads(content.stored[metrics_id]))
    assert stored == result.metrics
    assert content.batches == [result.batch_id]  # deleting the batch deletes the metrics
    assert (stored.word_count, stored.sentence_count) == (8, 2)
    assert stored.rare_word_share == pytest.approx(1 / 8)  # friends
    assert stored.long_word_share == pytest.approx(2 / 8)  # friends, laughed
    assert stored.spelling_error_rate == pytest.approx(25.0)  # 100 x 2 / 8
    # Every word one syllable: 206.835 - 1.015 x 8/2 - 84.6 x 8/8 = 118.175
    assert stored.flesch_reading_ease == pytest.approx(118.175)


async def test_swedish_request_has_no_flesch() -> None:
    content, publisher = FakeContent(), FakePublisher()

    await handle(content, publisher, content.put_text(TEXT), language=Language.SWEDISH)

    [(result, _)] = publisher.published
    assert result.metrics is not None and result.metrics.flesch_reading_ease is None
    assert result.language == Language.SWEDISH


async def test_unknown_text_is_a_failed_result() -> None:
    content, publisher = FakeContent(), FakePublisher()

    await handle(content, publisher, "f" * 32)

    [(result, _)] = publisher.published
    assert result.status == EssayStatus.NLP_FAILED
    assert result.error is not None and "not found" in result.error
    assert result.metrics is None and result.storage_metadata is None
    assert result.metadata.error_info == {"message": result.error}
    assert content.stored == {}


async def test_text_without_words_is_a_failed_result() -> None:
    content, publisher = FakeContent(), FakePublisher()

    await handle(content, publisher, content.put_text("123 + 456 = 579"))

    [(result, _)] = publisher.published
    assert result.status == EssayStatus.NLP_FAILED and result.error == "the text has no words"
    assert content.stored == {}


async def test_refused_store_is_a_failed_result() -> None:
    content = FakeContent(fail_store=StoreRejectedError("413 too large"))
    publisher = FakePublisher()
    await handle(content, publisher, content.put_text(TEXT))

    [(result, _)] = publisher.published
    assert result.status == EssayStatus.NLP_FAILED and result.error == "413 too large"


async def test_analysis_bug_is_a_failed_result_not_a_retry() -> None:
    def broken(word: str) -> int:
        raise RuntimeError("syllable table corrupt")

    content, publisher = FakeContent(), FakePublisher()
    data = LanguageTable({Language.ENGLISH: LanguageData(COMMON, syllables=broken)})

    await handle_nlp_request(
        nlp_request(content.put_text(TEXT)),
        fetch_text=content.fetch_text,
        store_metrics=content.store_metrics,
        publish=publisher.publish,
        language_data=data,
    )

    [(result, _)] = publisher.published
    assert result.status == EssayStatus.NLP_FAILED
    assert result.error == "analysis error: RuntimeError: syllable table corrupt"


@pytest.mark.parametrize("failing", ["fetch", "store"])
async def test_content_service_outage_propagates_and_publishes_nothing(failing: str) -> None:
    outage = ContentUnavailable("Content Service unreachable")
    content = FakeContent(
        fail_fetch=outage if failing == "fetch" else None,
        fail_store=outage if failing == "store" else None,
    )
    publisher = FakePublisher()

    with pytest.raises(ContentUnavailable):
        await handle(content, publisher, content.put_text(TEXT))

    assert publisher.published == []


async def test_publish_failure_propagates_for_the_loop_to_retry() -> None:
    content, publisher = FakeContent(), FakePublisher(error=ConnectionError("broker down"))

    with pytest.raises(ConnectionError):
        await handle(content, publisher, content.put_text(TEXT))
