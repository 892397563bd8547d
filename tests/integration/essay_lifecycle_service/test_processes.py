"""The two real entrypoints as processes on one database: serve, share state, stop on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from common_core.kafka import KafkaEventPublisher
from common_core.processes import free_port
from tests.support.auth import IdentityUnderTest
from tests.support.els import start_group_at_end
from tests.support.els_events import content_ready, new_id, registered
from tests.support.kafka import poll

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[3]


def _get(url: str, token: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""  # not listening yet


async def get(url: str, token: str = "") -> tuple[int, str]:
    """GET (as the token's teacher) without blocking the event loop; status 0 while nothing
    listens."""
    return await asyncio.to_thread(_get, url, token)


async def spawn(module: str, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """Start `python -m module` from the repo root, output to a log file."""
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def test_api_and_worker_processes_share_state_and_exit_zero_on_sigterm(
    kafka_bootstrap: str,
    tmp_path: Path,
    group_id: str,
    database_url: str,
    identity: IdentityUnderTest,
) -> None:
    await start_group_at_end(kafka_bootstrap, group_id)
    teacher = await identity.teacher("els-processes")
    api_port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "ELS_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "ELS_DATABASE_URL": database_url,
        "ELS_CONSUMER_GROUP": group_id,
        "ELS_PORT": str(api_port),
        "ELS_METRICS_PORT": str(metrics_port),
        "ELS_OUTBOX_POLL_INTERVAL": "0.2",
        "ELS_IDENTITY_JWKS_URL": identity.jwks_url,
    }
    api_url, metrics_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{metrics_port}"
    worker = await spawn("services.essay_lifecycle_service.worker_main", env, tmp_path / "w.log")
    api = await spawn("services.essay_lifecycle_service.app", env, tmp_path / "api.log")
    codes: list[int | None] = []
    try:
        assert (await poll(lambda: get(f"{metrics_url}/metrics"), _ok, 60))[0] == 200
        assert (await poll(lambda: get(f"{api_url}/healthz"), _ok, 60))[0] == 200
        batch_id = new_id("processes")
        upload = content_ready(batch_id)
        async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:
            await publisher.publish(
                registered(batch_id, 1, teacher.teacher_id), correlation_id="corr"
            )
            await publisher.publish(upload, correlation_id="corr")

        url = f"{api_url}/v1/batches/{batch_id}/essays"
        status, body = await poll(lambda: get(url, teacher.token), lambda r: _ready(r[1]), 30)
        view: dict[str, Any] = json.loads(body)
        essay_id = view["essays"][0]["essay_id"]
        anonymous_status, _ = await get(f"{api_url}/v1/essays/{essay_id}")
        status, body = await get(f"{api_url}/v1/essays/{essay_id}", teacher.token)
        missing_status, missing = await get(f"{api_url}/v1/essays/{new_id('nope')}", teacher.token)
        _, metrics = await get(f"{metrics_url}/metrics")
        _, api_metrics = await get(f"{api_url}/metrics")
    finally:
        for process in (worker, api):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            codes.append(await asyncio.wait_for(process.wait(), 30))

    assert anonymous_status == 401  # tokens verified against the real identity's JWKS
    assert status == 200 and json.loads(body)["file_upload_id"] == upload.file_upload_id
    assert missing_status == 404 and json.loads(missing)["error"]["code"] == "not_found"
    assert 'huleedu_els_uploads_total{outcome="content"} 1.0' in metrics
    assert "huleedu_kafka_queue_latency_seconds" in metrics
    assert "huleedu_http_requests_total" in api_metrics
    assert codes == [0, 0], (tmp_path / "w.log").read_text()[-3000:]


def _ok(result: tuple[int, str]) -> bool:
    return result[0] == 200


def _ready(body: str) -> bool:
    try:
        view = json.loads(body)
    except ValueError:
        return False
    return bool(view.get("ready"))
