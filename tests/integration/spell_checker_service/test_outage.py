"""A Content Service outage is retried with backoff, never reported as a failed essay."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from common_core.enums import EssayStatus, Language
from common_core.processes import free_port
from tests.support.content import (
    content_service_at,
    store_text,
)
from tests.support.kafka import poll
from tests.support.spell import (
    REQUESTS,
    publish_request,
    result_of,
    results_for,
    running_worker,
    spellcheck_request,
)

pytestmark = pytest.mark.kafka

ENGLISH = "Thiss text is stored before the outage.\n"


def _retries() -> float:
    value = REGISTRY.get_sample_value(
        "huleedu_kafka_messages_total", {"topic": REQUESTS, "outcome": "retried"}
    )
    return value or 0.0


async def test_content_service_outage_is_retried_until_it_is_back(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    async with content_service_at(root) as first_url:
        original_id = await store_text(first_url, ENGLISH)
    # The worker points at a port where nothing listens until the service comes back.
    port = free_port()
    before = _retries()
    request = spellcheck_request(original_id, Language.ENGLISH)
    async with running_worker(kafka_bootstrap, f"http://127.0.0.1:{port}", check_workers=0):
        await publish_request(kafka_bootstrap, request, "corr-outage")
        retried = await poll(_retries_now, lambda n: n >= before + 2, 30)
        assert retried >= before + 2  # the handler failed on the outage and was retried
        async with content_service_at(root, port):
            envelopes = await results_for(kafka_bootstrap, request.entity_ref.entity_id)

    assert [result_of(e).status for e in envelopes] == [EssayStatus.SPELLCHECKED_SUCCESS]
    assert result_of(envelopes[0]).corrections_made == 1


async def _retries_now() -> float:
    return _retries()
