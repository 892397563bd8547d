"""ELS API serves its OpenAPI document: every route, its answer's shape, its errors."""

from __future__ import annotations

import pytest

from tests.support.els import Els

pytestmark = pytest.mark.kafka


async def test_openapi_documents_every_route_and_its_errors(els: Els) -> None:
    spec = await (await els.client.get("/openapi.json")).get_json()

    paths = spec["paths"]
    assert {
        "/v1/essays/{essay_id}",
        "/v1/batches/{batch_id}/essays",
        "/v1/essays/{essay_id}/text",
        "/v1/essays/{essay_id}/corrections",
    } <= set(paths)
    essay = paths["/v1/essays/{essay_id}"]["get"]["responses"]
    assert (
        "storage_references" in essay["200"]["content"]["application/json"]["schema"]["properties"]
    )
    assert set(essay["404"]["content"]["application/json"]["schema"]["properties"]) == {"error"}
    text = paths["/v1/essays/{essay_id}/text"]["get"]
    assert [p["name"] for p in text["parameters"] if p["in"] == "query"] == ["version"]
    docs = await els.client.get("/docs")
    assert "/v1/batches/{batch_id}/essays" in await docs.get_data(as_text=True)
