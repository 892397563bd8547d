"""A Content Service outage is retried with backoff, never reported as a failed essay.

Its own module: the worker of test_worker_flow.py (another consumer group on the same topic)
must be stopped, or it would answer this request from a healthy Content Service.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from common_core.enums import EssayStatus, Language
from common_core.processes import free_port
from tests.support.content import content_service_at, store_text
from tests.support.kafka import poll
from tests.support.nlp import (
    REQUESTS,
    nlp_request,
    publish_request,
    result_of,
    results_for,
    running_worker,
)

pytestmark = pytest.mark.kafka


async def _retries() -> float:
    value = REGISTRY.get_sample_value(
        "huleedu_kafka_messages_total", {"topic": REQUESTS, "outcome": "retried"}
    )
    return value or 0.0


async def test_content_service_outage_is_retried_until_it_is_back(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    async with content_service_at(root) as first_url:
        text_id = await store_text(first_url, "The text was stored before the outage.\n")
    port = free_port()  # nothing listens here until the service comes back
    request = nlp_request(text_id, Language.ENGLISH, 0)
    before = await _retries()

    async with running_worker(kafka_bootstrap, f"http://127.0.0.1:{port}"):
        await publish_request(kafka_bootstrap, request, "corr-outage")
        retried = await poll(_retries, lambda n: n >= before + 2, 60)
        assert retried >= before + 2  # the handler failed on the outage and was retried
        async with content_service_at(root, port):
            envelopes = await results_for(kafka_bootstrap, request.entity_ref.entity_id)

    # One result, a success: nothing was published while Content Service was down.
    assert [result_of(e).status for e in envelopes] == [EssayStatus.NLP_SUCCESS]
