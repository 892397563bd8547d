"""The per-message handler with fakes: what is stored, what is published, what propagates."""

from __future__ import annotations

import json

import pytest

from common_core.content_client import ContentUnavailable, StoreRejectedError
from common_core.enums import ContentType, EssayStatus, Language
from common_core.events import SpellcheckResultDataV1
from services.spell_checker_service.handlers import handle_spellcheck_request
from services.spell_checker_service.protocols import CheckerUnavailable
from services.spell_checker_service.tests.unit.fakes import (
    FakeChecker,
    FakeContentStore,
    FakePublisher,
    spellcheck_request,
)

TEXT = "Becuase I recieve lettres, I write back.\n"


class Harness:
    """The handler wired to one set of fakes."""

    def __init__(self, checker: FakeChecker | None = None) -> None:
        self.content = FakeContentStore()
        self.checker = checker or FakeChecker({"Becuase": "Because", "recieve": "receive"})
        self.publisher = FakePublisher()

    async def handle(self, storage_id: str, language: Language = Language.ENGLISH) -> None:
        await handle_spellcheck_request(
            spellcheck_request(storage_id, language, correlation_id="corr-42"),
            fetch_text=self.content.fetch_text,
            store_texts=self.content.store_texts,
            check=self.checker.check,
            publish=self.publisher.publish,
        )

    def only_result(self) -> SpellcheckResultDataV1:
        assert len(self.publisher.published) == 1
        result, correlation_id = self.publisher.published[0]
        assert correlation_id == "corr-42"
        return result


async def test_success_stores_text_and_log_and_publishes_both_references() -> None:
    harness = Harness()
    text_id = harness.content.put_text(TEXT)

    await harness.handle(text_id, Language.SWEDISH)

    result = harness.only_result()
    assert result.status == EssayStatus.SPELLCHECKED_SUCCESS
    assert result.error is None
    assert result.corrections_made == 2
    assert result.language == Language.SWEDISH
    assert result.original_text_storage_id == text_id
    assert result.batch_id == result.entity_ref.parent_id
    # Both blobs are stored in the essay's batch (deleting the batch deletes them), in one
    # Content Service request.
    assert harness.content.batches == [result.batch_id, result.batch_id]
    assert harness.content.stores == 1
    assert harness.checker.calls == [(TEXT, Language.SWEDISH)]
    assert result.storage_metadata is not None
    corrected_id = result.storage_metadata.storage_id(ContentType.CORRECTED_TEXT)
    log_id = result.storage_metadata.storage_id(ContentType.SPELLCHECK_LOG)
    assert corrected_id is not None and log_id is not None and corrected_id != log_id
    body, content_type = harness.content.blobs[corrected_id]
    assert body.decode("utf-8") == "Because I receive lettres, I write back.\n"
    assert content_type.startswith("text/plain")
    log_body, log_type = harness.content.blobs[log_id]
    assert log_type == "application/json"
    assert json.loads(log_body) == [
        {"original": "Becuase", "corrected": "Because", "start": 0, "end": 7},
        {"original": "recieve", "corrected": "receive", "start": 10, "end": 17},
    ]


async def test_text_without_mistakes_is_a_success_with_an_empty_log() -> None:
    harness = Harness(FakeChecker({}))
    text_id = harness.content.put_text("Åsa läser en bok.")

    await harness.handle(text_id)

    result = harness.only_result()
    assert result.status == EssayStatus.SPELLCHECKED_SUCCESS
    assert result.corrections_made == 0
    assert result.storage_metadata is not None
    log_id = result.storage_metadata.storage_id(ContentType.SPELLCHECK_LOG)
    corrected_id = result.storage_metadata.storage_id(ContentType.CORRECTED_TEXT)
    assert log_id is not None and corrected_id is not None
    assert json.loads(harness.content.blobs[log_id][0]) == []
    assert harness.content.blobs[corrected_id][0] == "Åsa läser en bok.".encode()


async def test_unknown_text_is_published_as_failed_with_the_error() -> None:
    harness = Harness()

    await harness.handle("0" * 32)

    result = harness.only_result()
    assert result.status == EssayStatus.SPELLCHECK_FAILED
    assert result.error is not None and "not found" in result.error
    assert result.storage_metadata is None
    assert result.corrections_made is None
    assert result.metadata.error_info == {"message": result.error}
    assert harness.checker.calls == []
    assert harness.content.stores == 0


async def test_checker_raising_is_published_as_failed() -> None:
    harness = Harness(FakeChecker(error=ValueError("dictionary exploded")))
    text_id = harness.content.put_text(TEXT)

    await harness.handle(text_id)

    result = harness.only_result()
    assert result.status == EssayStatus.SPELLCHECK_FAILED
    assert result.error is not None and "dictionary exploded" in result.error
    assert harness.content.stores == 0


async def test_content_service_refusing_a_blob_is_published_as_failed() -> None:
    harness = Harness()
    text_id = harness.content.put_text(TEXT)
    harness.content.fail_store = StoreRejectedError("Content Service refused a blob: 413")

    await harness.handle(text_id)

    result = harness.only_result()
    assert result.status == EssayStatus.SPELLCHECK_FAILED
    assert result.error is not None and "413" in result.error


@pytest.mark.parametrize("failing", ["fetch", "store"])
async def test_content_service_unavailable_propagates_and_publishes_nothing(
    failing: str,
) -> None:
    harness = Harness()
    text_id = harness.content.put_text(TEXT)
    outage = ContentUnavailable("Content Service unreachable")
    if failing == "fetch":
        harness.content.fail_fetch = outage
    else:
        harness.content.fail_store = outage

    with pytest.raises(ContentUnavailable):
        await harness.handle(text_id)

    assert harness.publisher.published == []


async def test_dead_checker_processes_propagate_and_publish_nothing() -> None:
    harness = Harness(FakeChecker(error=CheckerUnavailable("checker processes died")))
    text_id = harness.content.put_text(TEXT)

    with pytest.raises(CheckerUnavailable):
        await harness.handle(text_id)

    assert harness.publisher.published == []


async def test_a_retry_after_an_outage_publishes_exactly_one_result() -> None:
    harness = Harness()
    text_id = harness.content.put_text(TEXT)
    harness.content.fail_store = ContentUnavailable("down")
    with pytest.raises(ContentUnavailable):
        await harness.handle(text_id)

    harness.content.fail_store = None
    await harness.handle(text_id)

    assert harness.only_result().status == EssayStatus.SPELLCHECKED_SUCCESS


async def test_publish_failure_propagates() -> None:
    harness = Harness()
    harness.publisher.error = ConnectionError("broker gone")
    text_id = harness.content.put_text(TEXT)

    with pytest.raises(ConnectionError):
        await harness.handle(text_id)
