"""Request event -> real Content Service -> checker processes -> result event (real broker)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest

from common_core.enums import EssayStatus, Language
from tests.support.content import ContentServiceUnderTest, fetch_blob, store_text
from tests.support.spell import (
    corrected_ids,
    request_and_wait,
    result_of,
    running_worker,
    spellcheck_request,
)

pytestmark = pytest.mark.kafka

ENGLISH = (
    "Name: Anna Lindqvist\n\nThis summer I went swiming with my familly, becuase it was hot.\n"
)
SWEDISH = "Namn: Lina Karlsson\n\nVattnet var kallt men det var ändå rolight att simma.\n"


@pytest.fixture(scope="module")
async def worker(
    kafka_bootstrap: str, content_service: ContentServiceUnderTest
) -> AsyncIterator[None]:
    """One worker with a real pool of one checker process, shared by this module's tests."""
    async with running_worker(kafka_bootstrap, content_service.url, check_workers=1):
        yield


async def test_english_request_gives_a_result_with_the_corrected_text_retrievable(
    kafka_bootstrap: str, content_service: ContentServiceUnderTest, worker: None
) -> None:
    original_id = await store_text(content_service.url, ENGLISH)
    request = spellcheck_request(original_id, Language.ENGLISH)
    correlation_id = f"corr-{uuid.uuid4().hex}"

    [envelope] = await request_and_wait(kafka_bootstrap, request, correlation_id)

    assert envelope["correlation_id"] == correlation_id
    assert envelope["source_service"] == "spell_checker_service"
    result = result_of(envelope)
    assert result.entity_ref == request.entity_ref and result.batch_id == request.batch_id
    assert result.original_text_storage_id == original_id
    assert result.language == Language.ENGLISH and result.corrections_made == 3
    text_id, log_id = corrected_ids(result)
    status, body, content_type = await fetch_blob(content_service.url, text_id)
    assert status == 200 and content_type.startswith("text/plain")
    assert body.decode("utf-8") == ENGLISH.replace("swiming", "swimming").replace(
        "familly", "family"
    ).replace("becuase", "because")
    status, log, content_type = await fetch_blob(content_service.url, log_id)
    assert status == 200 and content_type.startswith("application/json")
    entries = json.loads(log)
    assert [(e["original"], e["corrected"]) for e in entries] == [
        ("swiming", "swimming"),
        ("familly", "family"),
        ("becuase", "because"),
    ]
    assert all(ENGLISH[e["start"] : e["end"]] == e["original"] for e in entries)


async def test_swedish_request_is_checked_in_swedish(
    kafka_bootstrap: str, content_service: ContentServiceUnderTest, worker: None
) -> None:
    original_id = await store_text(content_service.url, SWEDISH)
    request = spellcheck_request(original_id, Language.SWEDISH)

    [envelope] = await request_and_wait(kafka_bootstrap, request, "corr-sv")

    result = result_of(envelope)
    assert result.language == Language.SWEDISH and result.corrections_made == 1
    text_id, _ = corrected_ids(result)
    _, body, _ = await fetch_blob(content_service.url, text_id)
    assert body.decode("utf-8") == SWEDISH.replace("rolight", "roligt")


async def test_unknown_text_is_reported_as_a_failed_result(
    kafka_bootstrap: str, worker: None
) -> None:
    request = spellcheck_request(uuid.uuid4().hex, Language.ENGLISH)

    [envelope] = await request_and_wait(kafka_bootstrap, request, "corr-missing")

    result = result_of(envelope)
    assert result.status == EssayStatus.SPELLCHECK_FAILED
    assert result.error and "not found" in result.error
    assert result.storage_metadata is None
