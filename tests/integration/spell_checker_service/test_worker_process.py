"""`python -m services.spell_checker_service.worker_main` as a process: ready, checks, stops."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from common_core.enums import EssayStatus, Language
from common_core.processes import free_port
from tests.support.content import (
    CONTENT_TOKEN,
    ContentServiceUnderTest,
    store_text,
)
from tests.support.kafka import poll
from tests.support.spell import (
    request_and_wait,
    result_of,
    spellcheck_request,
    start_group_at_end,
)

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[3]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""  # not listening yet


async def get(url: str) -> tuple[int, str]:
    return await asyncio.to_thread(_get, url)


async def test_worker_process_checks_serves_metrics_and_exits_zero_on_sigterm(
    kafka_bootstrap: str, content_service: ContentServiceUnderTest, tmp_path: Path
) -> None:
    group = f"test-spell-process-{uuid.uuid4().hex[:8]}"
    await start_group_at_end(kafka_bootstrap, group)
    metrics_port = free_port()
    env = {
        **os.environ,
        "SPELL_CHECKER_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "SPELL_CHECKER_CONTENT_SERVICE_URL": content_service.url,
        "SPELL_CHECKER_CONTENT_SERVICE_TOKEN": CONTENT_TOKEN,
        "SPELL_CHECKER_CONSUMER_GROUP": group,
        "SPELL_CHECKER_METRICS_PORT": str(metrics_port),
        "SPELL_CHECKER_CHECK_WORKERS": "2",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.spell_checker_service.worker_main",
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        # /metrics answers only once the checker processes have loaded their dictionaries.
        status, _ = await poll(lambda: get(metrics_url), lambda r: r[0] == 200, 120)
        assert status == 200, log.read_text()[-3000:]
        original_id = await store_text(content_service.url, "Teh quick brown fox.\n")
        request = spellcheck_request(original_id, Language.ENGLISH)
        [envelope] = await request_and_wait(kafka_bootstrap, request, "corr-process")
        _, metrics = await get(metrics_url)
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(worker.wait(), 30)

    result = result_of(envelope)
    assert result.status == EssayStatus.SPELLCHECKED_SUCCESS and result.corrections_made == 1
    assert 'huleedu_spellcheck_results_total{language="en",status="spellchecked_success"} 1.0' in (
        metrics
    )
    assert 'huleedu_spellcheck_corrections_total{language="en"} 1.0' in metrics
    assert "huleedu_spellcheck_processing_seconds_bucket" in metrics
    assert "huleedu_kafka_queue_latency_seconds_bucket" in metrics
    assert code == 0, log.read_text()[-3000:]
    assert "spell_checker_stopped" in log.read_text()
