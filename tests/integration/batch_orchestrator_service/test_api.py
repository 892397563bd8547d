"""BOS's REST API through Quart's test client, with the real database file and broker behind it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from common_core.enums import CourseCode, ProcessingEvent
from common_core.topics import topic_name
from services.batch_orchestrator_service.models.orm import BatchRow
from tests.support.bos import RunningBos, registration
from tests.support.kafka import collect_records

pytestmark = pytest.mark.kafka

REGISTER = "/v1/batches/register"


async def error_of(bos: RunningBos, response_status: int, **kwargs: Any) -> dict[str, Any]:
    response = await bos.client.post(REGISTER, **kwargs)
    body: dict[str, Any] = await response.get_json()
    assert response.status_code == response_status, body
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    error: dict[str, Any] = body["error"]
    return error


async def test_register_stores_full_context_and_announces_without_it(bos: RunningBos) -> None:
    body = registration("SV2", 3, class_designation="9C", requested_pipelines=["spellcheck"])
    response = await bos.client.post(REGISTER, json=body, headers={"X-Correlation-ID": "cid-42"})
    answer = await response.get_json()

    assert response.status_code == 202
    batch_id = answer["batch_id"]
    assert answer["correlation_id"] == "cid-42"
    assert answer["status_url"] == f"/v1/batches/{batch_id}"
    assert response.headers["Location"] == answer["status_url"]
    assert len(answer["essay_ids"]) == 3 == len(set(answer["essay_ids"]))

    async with (await bos.sessions())() as session:
        row = await session.scalar(select(BatchRow).where(BatchRow.id == batch_id))
    assert row is not None
    assert (row.course_code, row.class_designation, row.essay_instructions) == (
        "SV2",
        "9C",
        body["essay_instructions"],
    )
    assert (row.status, row.language, row.expected_essay_count) == ("awaiting_content", "sv", 3)
    assert row.essay_ids == answer["essay_ids"]
    assert row.requested_pipelines == ["spellcheck"]

    [record] = await collect_records(
        bos.settings.kafka_bootstrap_servers,
        topic_name(ProcessingEvent.BATCH_ESSAYS_REGISTERED),
        lambda r: r.key == batch_id.encode(),
        count=1,
    )
    envelope = json.loads(record.value)
    assert envelope["correlation_id"] == "cid-42"
    assert envelope["source_service"] == "batch_orchestrator_service"
    assert set(envelope["data"]) == {
        "batch_id", "expected_essay_count", "essay_ids", "teacher_id", "metadata",
    }  # fmt: skip
    assert envelope["data"]["essay_ids"] == answer["essay_ids"]
    assert "SV2" not in record.value.decode() and "9C" not in record.value.decode()


async def test_given_essay_ids_are_kept(bos: RunningBos) -> None:
    answer = await bos.register(registration("ENG5", 2, essay_ids=["anna-1", "bo.2"]))
    assert answer["essay_ids"] == ["anna-1", "bo.2"]
    assert (await bos.batch(answer["batch_id"]))["essay_ids"] == ["anna-1", "bo.2"]


async def test_essay_ids_of_another_batch_are_refused_with_409(bos: RunningBos) -> None:
    first = await bos.register(registration("ENG5", 2, essay_ids=["same-1", "same-2"]))

    error = await error_of(bos, 409, json=registration("ENG5", 2, essay_ids=["other-1", "same-2"]))

    assert error["code"] == "essay_ids_in_use"
    assert isinstance(error["details"], dict)  # issue 15, defect 7: it was a string
    assert (await bos.batch(first["batch_id"]))["essay_ids"] == ["same-1", "same-2"]
    again = await bos.register(registration("ENG5", 2, essay_ids=["other-1", "other-2"]))
    assert again["essay_ids"] == ["other-1", "other-2"]  # the refused one left nothing behind


async def test_get_has_the_design_shape(bos: RunningBos) -> None:
    answer = await bos.register(registration("ENG7", 2))
    batch = await bos.batch(answer["batch_id"])

    assert set(batch) == {
        "batch_id", "status", "course_code", "class_designation", "essay_instructions",
        "language", "expected_essay_count", "essay_ids", "created_at", "updated_at",
        "pipeline_state", "class_summary",
    }  # fmt: skip
    assert batch["status"] == "awaiting_content"
    assert (batch["course_code"], batch["language"]) == ("ENG7", "en")
    assert datetime.fromisoformat(batch["created_at"]).tzinfo is not None
    assert batch["class_summary"] is None
    assert batch["pipeline_state"] == {
        "requested_pipelines": ["spellcheck"],
        "spellcheck": {
            "status": "pending",
            "essay_counts": {"total": 2, "successful": 0, "failed": 0, "pending": 2, "skipped": 0},
            "started_at": None,
            "completed_at": None,
        },
    }


async def test_requested_pipelines_get_their_dependencies_and_one_entry_each(
    bos: RunningBos,
) -> None:
    answer = await bos.register(registration("ENG7", 2, requested_pipelines=["nlp_metrics"]))
    state = (await bos.batch(answer["batch_id"]))["pipeline_state"]
    assert state["requested_pipelines"] == ["spellcheck", "nlp_metrics"]
    assert set(state) == {"requested_pipelines", "spellcheck", "nlp_metrics"}
    assert state["nlp_metrics"]["status"] == "pending"


async def test_unknown_pipeline_is_422_naming_the_known_ones(bos: RunningBos) -> None:
    error = await error_of(bos, 422, json=registration(requested_pipelines=["grammar"]))
    assert [d["field"] for d in error["details"]] == ["requested_pipelines.0"]
    assert "known pipelines: nlp_metrics, spellcheck" in error["message"]


async def test_more_pipelines_on_an_unknown_or_unfinished_batch(bos: RunningBos) -> None:
    body = {"pipelines": ["nlp_metrics"]}
    unknown = await bos.client.post("/v1/batches/no-such-batch/pipelines", json=body)
    assert unknown.status_code == 404
    answer = await bos.register(registration("ENG7", 2))
    url = f"/v1/batches/{answer['batch_id']}/pipelines"
    busy = await bos.client.post(url, json=body)
    assert busy.status_code == 409
    assert (await busy.get_json())["error"]["code"] == "batch_not_finished"
    bad = await bos.client.post(url, json={"pipelines": ["grammar"]})
    assert bad.status_code == 422
    assert "known pipelines" in (await bad.get_json())["error"]["message"]


async def test_unknown_batch_is_404(bos: RunningBos) -> None:
    response = await bos.client.get("/v1/batches/no-such-batch")
    assert response.status_code == 404
    assert (await response.get_json())["error"]["code"] == "batch_not_found"


async def test_unknown_course_code_is_422_naming_the_known_codes(bos: RunningBos) -> None:
    error = await error_of(bos, 422, json=registration("MATH1"))
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == ["course_code"]
    for code in CourseCode:
        assert code.value in error["message"]


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"expected_essay_count": 0}, ["expected_essay_count"]),
        ({"expected_essay_count": 501}, ["expected_essay_count"]),
        ({"expected_essay_count": "2"}, ["expected_essay_count"]),
        ({"class_designation": ""}, ["class_designation"]),
        ({"class_designation": "9A\u202egnp.exe"}, ["class_designation"]),
        ({"class_designation": "9\x00A"}, ["class_designation"]),
        ({"class_designation": "9\nA"}, ["class_designation"]),
        ({"essay_instructions": "Write\x00 this"}, ["essay_instructions"]),
        ({"essay_instructions": "Write \u202eevil"}, ["essay_instructions"]),
        ({"essay_instructions": "x" * 10_001}, ["essay_instructions"]),
        ({"essay_ids": ["a", "a"]}, [""]),
        ({"essay_ids": ["a"]}, [""]),
        ({"essay_ids": ["a", "x" * 129]}, ["essay_ids.1"]),
        ({"essay_ids": ["a", ""]}, ["essay_ids.1"]),
        ({"requested_pipelines": ["grammar"]}, ["requested_pipelines.0"]),
        ({"unexpected": 1}, ["unexpected"]),
        ({"course_code": "X", "expected_essay_count": 0}, ["course_code", "expected_essay_count"]),
    ],
)
async def test_validation_errors_are_422_with_the_fields(
    bos: RunningBos, overrides: dict[str, Any], fields: list[str]
) -> None:
    error = await error_of(bos, 422, json={**registration("ENG6", 2), **overrides})
    assert sorted(d["field"] for d in error["details"]) == fields


async def test_instructions_keep_line_breaks_and_tabs(bos: RunningBos) -> None:
    text = "Write about your summer.\n\n\t- at least 300 words\r\n"
    answer = await bos.register({**registration("ENG6", 2), "essay_instructions": text})
    assert (await bos.batch(answer["batch_id"]))["essay_instructions"] == text.strip()


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_other_methods_on_the_register_route_are_405(bos: RunningBos, method: str) -> None:
    """Issue 15, defect 7: they matched GET /v1/batches/<batch_id> and answered 404."""
    response = await bos.client.open(REGISTER, method=method, json=None)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    if method == "GET":
        assert (await response.get_json())["error"]["code"] == "method_not_allowed"


async def test_missing_fields_are_all_reported(bos: RunningBos) -> None:
    error = await error_of(bos, 422, json={})
    assert {d["field"] for d in error["details"]} == {
        "course_code", "class_designation", "essay_instructions", "expected_essay_count",
    }  # fmt: skip


async def test_body_that_is_not_an_object_is_422(bos: RunningBos) -> None:
    await error_of(bos, 422, json=[1, 2])


async def test_malformed_json_is_400(bos: RunningBos) -> None:
    headers = {"Content-Type": "application/json"}
    error = await error_of(bos, 400, data=b'{"course_code": ', headers=headers)
    assert error["code"] == "bad_request"
    assert "malformed JSON" in error["message"]
    empty = await error_of(bos, 400, data=b"", headers=headers)
    assert empty["code"] == "bad_request"


async def test_non_json_content_type_is_415(bos: RunningBos) -> None:
    error = await error_of(
        bos, 415, data=b"course_code=ENG5", headers={"Content-Type": "text/plain"}
    )
    assert error["code"] == "unsupported_media_type"
    await error_of(bos, 415, form={"course_code": "ENG5"})


async def test_oversized_body_is_413(bos: RunningBos) -> None:
    huge = json.dumps(registration(essay_instructions="x" * 2_000_000)).encode()
    headers = {"Content-Type": "application/json"}
    error = await error_of(bos, 413, data=huge, headers=headers)
    assert error["code"] == "payload_too_large"


async def test_health_metrics_and_openapi(bos: RunningBos) -> None:
    health = await bos.client.get("/healthz")
    assert health.status_code == 200
    assert (await health.get_json())["checks"] == {
        "database": True,
        "kafka": True,
        "consumer": True,
    }

    await bos.register(registration())
    metrics = await (await bos.client.get("/metrics")).get_data(as_text=True)
    assert "huleedu_bos_batches_registered_total" in metrics
    assert 'route="/v1/batches/register"' in metrics

    spec = await (await bos.client.get("/openapi.json")).get_json()
    assert {"/v1/batches/register", "/v1/batches/{batch_id}"} <= set(spec["paths"])
    schemas = json.dumps(spec)
    assert "RegisterBatchRequest" in schemas and "BatchStatusResponse" in schemas
    docs = await bos.client.get("/docs")
    page = await docs.get_data(as_text=True)
    assert docs.status_code == 200
    assert "/openapi.json" in page and "/v1/batches/register" in page
    assert "http" not in page  # issue 15, defect 7: nothing loaded from a CDN (blank offline)
