"""The Content Service routes through Quart's test client (no network, tmp store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from quart.typing import TestClientProtocol as Client

from services.content_service.app import create_app
from services.content_service.config import ContentServiceSettings


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = ContentServiceSettings(content_store_root=tmp_path / "store", max_content_bytes=64)
    app = create_app(settings)
    async with app.test_app() as test_app:
        yield test_app.test_client()


async def test_post_then_get_returns_same_bytes_and_type(client: Client) -> None:
    body = '{"a": "å"}'.encode()
    created = await client.post(
        "/v1/content", data=body, headers={"Content-Type": "application/json"}
    )
    storage_id = (await created.get_json())["storage_id"]

    fetched = await client.get(f"/v1/content/{storage_id}")

    assert created.status_code == 201
    assert fetched.status_code == 200
    assert await fetched.get_data() == body
    assert fetched.headers["Content-Type"] == "application/json"


async def test_empty_body_is_400(client: Client) -> None:
    response = await client.post("/v1/content", data=b"")
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "empty_content"


async def test_body_over_limit_is_413(client: Client) -> None:
    response = await client.post("/v1/content", data=b"x" * 65)
    assert response.status_code == 413
    assert (await response.get_json())["error"]["code"] == "payload_too_large"


async def test_body_at_limit_is_stored(client: Client) -> None:
    response = await client.post("/v1/content", data=b"x" * 64)
    assert response.status_code == 201


async def test_malformed_id_is_400_unknown_is_404(client: Client) -> None:
    malformed = await client.get("/v1/content/" + "A" * 32)
    unknown = await client.get("/v1/content/" + "0" * 32)

    assert malformed.status_code == 400
    assert (await malformed.get_json())["error"]["code"] == "invalid_storage_id"
    assert unknown.status_code == 404
    assert (await unknown.get_json())["error"]["code"] == "not_found"


async def test_healthz_and_metrics(client: Client) -> None:
    await client.get("/v1/content/" + "0" * 32)
    health = await client.get("/healthz")
    metrics = await client.get("/metrics")

    assert health.status_code == 200
    text = await metrics.get_data(as_text=True)
    assert 'route="/v1/content/<storage_id>"' in text
    assert 'status="404"' in text
