"""BOS with real tokens from the real identity service: every route needs one, a teacher sees
and deletes only their own batches, a deleted batch stays deleted however late its events come,
and retention purges old batches the same way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from common_core.enums import EssayStatus, ProcessingEvent
from common_core.kafka import KafkaEventPublisher
from common_core.metadata import utc_now
from common_core.topics import dlt_topic_name, topic_name
from services.batch_orchestrator_service.models.orm import BatchRow
from services.batch_orchestrator_service.retention import RetentionSweeper
from tests.support.auth import IdentityUnderTest
from tests.support.bos import RunningBos, registration, wait_caught_up
from tests.support.bos_events import on_topic, ready, state_update
from tests.support.kafka import collect_records

pytestmark = pytest.mark.kafka

READY = topic_name(ProcessingEvent.BATCH_ESSAYS_READY)
STATE = topic_name(ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED)
REGISTERED = topic_name(ProcessingEvent.BATCH_ESSAYS_REGISTERED)
DELETED = topic_name(ProcessingEvent.BATCH_DELETED)
PROGRESS = topic_name(ProcessingEvent.BATCH_PIPELINE_PROGRESS_UPDATED)


def routes(batch_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every teacher-facing route of BOS: method, path, JSON body."""
    return [
        ("GET", "/v1/batches", None),
        ("POST", "/v1/batches/register", registration()),
        ("GET", f"/v1/batches/{batch_id}", None),
        ("DELETE", f"/v1/batches/{batch_id}", None),
        ("POST", f"/v1/batches/{batch_id}/pipelines", {"pipelines": ["nlp_metrics"]}),
    ]


async def test_every_route_refuses_each_bad_token_with_401_json_and_health_stays_open(
    bos: RunningBos, identity: IdentityUnderTest
) -> None:
    batch_id = (await bos.register(registration()))["batch_id"]
    refused = await identity.refused_tokens(bos.teacher.teacher_id)
    for method, path, body in routes(batch_id):
        for case, headers in refused.items():
            response = await bos.anonymous.open(path, method=method, headers=headers, json=body)
            answer = await response.get_json()
            assert response.status_code == 401, (method, path, case, answer)
            assert answer["error"]["code"] in {"missing_token", "invalid_token", "token_expired"}
            assert response.headers["WWW-Authenticate"].startswith('Bearer realm="huleedu"')
    # Nothing was done on the refused calls: the batch is there, and only that one.
    assert [b["batch_id"] for b in await listed(bos)] == [batch_id]
    for open_path in ("/healthz", "/metrics", "/openapi.json"):
        assert (await bos.anonymous.get(open_path)).status_code == 200, open_path


async def listed(bos: RunningBos, client: Any = None, query: str = "") -> list[dict[str, Any]]:
    response = await (client or bos.client).get(f"/v1/batches{query}")
    assert response.status_code == 200, await response.get_data(as_text=True)
    batches: list[dict[str, Any]] = (await response.get_json())["batches"]
    return batches


async def test_another_teachers_batch_answers_exactly_as_an_unknown_id(
    bos: RunningBos, identity: IdentityUnderTest
) -> None:
    batch_id = (await bos.register(registration()))["batch_id"]
    bertil = bos.as_teacher(await identity.teacher("bertil"))
    unknown = "00000000-0000-4000-8000-000000000000"

    for method, suffix, body in (
        ("GET", "", None),
        ("DELETE", "", None),
        ("POST", "/pipelines", {"pipelines": ["nlp_metrics"]}),
    ):
        theirs = await bertil.open(f"/v1/batches/{batch_id}{suffix}", method=method, json=body)
        none = await bertil.open(f"/v1/batches/{unknown}{suffix}", method=method, json=body)
        assert theirs.status_code == none.status_code == 404, method
        theirs_body, none_body = await theirs.get_json(), await none.get_json()
        assert theirs_body == {
            **none_body,
            "error": {**none_body["error"], "message": none_body["error"]["message"].replace(
                unknown, batch_id
            )},
        }  # fmt: skip
    assert await listed(bos, bertil) == []
    assert (await bos.batch(batch_id))["status"] == "awaiting_content"  # untouched


async def test_my_batches_newest_first_limited_and_their_teacher_on_the_event(
    bos: RunningBos,
) -> None:
    ids = [(await bos.register(registration("ENG5", 1)))["batch_id"] for _ in range(3)]

    batches = await listed(bos)
    assert [b["batch_id"] for b in batches] == ids[::-1]
    assert set(batches[0]) == {
        "batch_id", "status", "course_code", "class_designation", "expected_essay_count",
        "requested_pipelines", "created_at", "updated_at",
    }  # fmt: skip
    assert [b["batch_id"] for b in await listed(bos, query="?limit=2")] == ids[:0:-1]
    for bad in ("?limit=0", "?limit=501", "?limit=many"):
        response = await bos.client.get(f"/v1/batches{bad}")
        assert response.status_code == 422, bad
    [announced] = await on_topic(bos, REGISTERED, ids[0], 1)
    assert announced["data"]["teacher_id"] == bos.teacher.teacher_id


async def test_delete_forgets_the_batch_and_its_late_events_bring_nothing_back(
    bos: RunningBos, publisher: KafkaEventPublisher
) -> None:
    answer = await bos.register(registration("ENG5", 2))
    batch_id, essay_ids = answer["batch_id"], answer["essay_ids"]
    await publisher.publish(ready(batch_id, essay_ids), "cid-ready")
    await bos.wait_for_status(batch_id, "processing")

    response = await bos.client.delete(
        f"/v1/batches/{batch_id}", headers={"X-Correlation-ID": "cid-delete"}
    )
    assert response.status_code == 202
    assert await response.get_json() == {"batch_id": batch_id, "correlation_id": "cid-delete"}
    [deleted] = await on_topic(bos, DELETED, batch_id, 1)
    assert deleted["correlation_id"] == "cid-delete"
    assert deleted["data"]["teacher_id"] == bos.teacher.teacher_id
    assert (await bos.client.get(f"/v1/batches/{batch_id}")).status_code == 404
    assert (await bos.client.delete(f"/v1/batches/{batch_id}")).status_code == 404

    # Results that were in flight arrive after the deletion: dropped, not dead-lettered.
    for essay_id in essay_ids:
        await publisher.publish(
            state_update(batch_id, essay_id, EssayStatus.SPELLCHECKED_SUCCESS), "cid-late"
        )
    await publisher.publish(ready(batch_id, essay_ids), "cid-late-ready")
    settings = bos.settings
    assert await wait_caught_up(
        settings.kafka_bootstrap_servers, settings.consumer_group, [READY, STATE]
    )
    assert (await bos.client.get(f"/v1/batches/{batch_id}")).status_code == 404
    assert await listed(bos) == []
    for topic in (STATE, READY):
        dead = await collect_records(
            settings.kafka_bootstrap_servers,
            dlt_topic_name(topic),
            lambda r: r.key == batch_id.encode(),
            count=1,
            timeout=3,
        )
        assert dead == [], topic
    progress = await collect_records(
        settings.kafka_bootstrap_servers, PROGRESS, lambda r: r.key == batch_id.encode(), 10, 3
    )
    assert progress and all(b"cid-ready" in p.value for p in progress)  # none after deletion


async def test_retention_deletes_batches_older_than_the_setting_like_their_teacher_would(
    bos: RunningBos,
) -> None:
    old = (await bos.register(registration()))["batch_id"]
    young = (await bos.register(registration()))["batch_id"]
    async with (await bos.sessions())() as session:
        await session.execute(
            update(BatchRow)
            .where(BatchRow.id == old)
            .values(created_at=utc_now() - timedelta(days=bos.settings.retention_days + 1))
        )
        await session.commit()
    container = bos.app.extensions["QUART_DISHKA"].container
    sweeper: RetentionSweeper = await container.get(RetentionSweeper)

    assert await sweeper.sweep() == 1

    [deleted] = await on_topic(bos, DELETED, old, 1)
    assert deleted["data"]["teacher_id"] == bos.teacher.teacher_id
    assert [b["batch_id"] for b in await listed(bos)] == [young]
    assert (await bos.client.get(f"/v1/batches/{old}")).status_code == 404
