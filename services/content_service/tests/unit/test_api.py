"""The Content Service routes through Quart's test client (no network, tmp store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from quart.typing import TestClientProtocol as Client

from common_core.content import content_headers
from services.content_service.app import create_app
from services.content_service.config import ContentServiceSettings
from services.content_service.repository import FileContentStore

TOKEN = "service-token-for-tests"
BATCH = "batch-1"
STORE_HEADERS = content_headers(TOKEN, BATCH)
AUTH = content_headers(TOKEN)


@pytest.fixture
def settings(tmp_path: Path) -> ContentServiceSettings:
    return ContentServiceSettings(
        content_store_root=tmp_path / "store",
        max_content_bytes=64,
        content_service_token=SecretStr(TOKEN),
        consume_deletions=False,
    )


@pytest.fixture
async def client(settings: ContentServiceSettings) -> AsyncIterator[Client]:
    app = create_app(settings)
    async with app.test_app() as test_app:
        yield test_app.test_client()


async def test_post_then_get_returns_same_bytes_and_type(client: Client) -> None:
    body = '{"a": "å"}'.encode()
    created = await client.post(
        "/v1/content", data=body, headers={**STORE_HEADERS, "Content-Type": "application/json"}
    )
    storage_id = (await created.get_json())["storage_id"]

    fetched = await client.get(f"/v1/content/{storage_id}", headers=AUTH)

    assert created.status_code == 201
    assert fetched.status_code == 200
    assert await fetched.get_data() == body
    assert fetched.headers["Content-Type"] == "application/json"
    assert "Content-Disposition" not in fetched.headers


@pytest.mark.parametrize("stored_type", ["text/html", "image/svg+xml", "TEXT/HTML; charset=x"])
async def test_content_of_a_type_the_fleet_does_not_write_is_a_sandboxed_download(
    client: Client, stored_type: str
) -> None:
    """Issue 15, defect 6: a stored text/html page ran its script in any browser opening it."""
    body = b"<script>alert(1)</script>"
    created = await client.post(
        "/v1/content", data=body, headers={**STORE_HEADERS, "Content-Type": stored_type}
    )
    storage_id = (await created.get_json())["storage_id"]

    fetched = await client.get(f"/v1/content/{storage_id}", headers=AUTH)

    assert fetched.status_code == 200
    assert await fetched.get_data() == body
    assert fetched.headers["Content-Disposition"] == f'attachment; filename="{storage_id}"'
    assert "sandbox" in fetched.headers["Content-Security-Policy"]
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"


async def test_fleet_texts_are_served_inline(client: Client) -> None:
    headers = {**STORE_HEADERS, "Content-Type": "text/plain; charset=utf-8"}
    created = await client.post("/v1/content", data=b"An essay", headers=headers)
    storage_id = (await created.get_json())["storage_id"]

    fetched = await client.get(f"/v1/content/{storage_id}", headers=AUTH)

    assert fetched.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Content-Disposition" not in fetched.headers


async def test_empty_body_is_400(client: Client) -> None:
    response = await client.post("/v1/content", data=b"", headers=STORE_HEADERS)
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "empty_content"


async def test_body_over_limit_is_413(client: Client) -> None:
    response = await client.post("/v1/content", data=b"x" * 65, headers=STORE_HEADERS)
    assert response.status_code == 413
    assert (await response.get_json())["error"]["code"] == "payload_too_large"


async def test_body_at_limit_is_stored(client: Client) -> None:
    response = await client.post("/v1/content", data=b"x" * 64, headers=STORE_HEADERS)
    assert response.status_code == 201


async def test_malformed_id_is_400_unknown_is_404(client: Client) -> None:
    malformed = await client.get("/v1/content/" + "A" * 32, headers=AUTH)
    unknown = await client.get("/v1/content/" + "0" * 32, headers=AUTH)

    assert malformed.status_code == 400
    assert (await malformed.get_json())["error"]["code"] == "invalid_storage_id"
    assert unknown.status_code == 404
    assert (await unknown.get_json())["error"]["code"] == "not_found"


async def test_healthz_and_metrics(client: Client) -> None:
    await client.get("/v1/content/" + "0" * 32, headers=AUTH)
    health = await client.get("/healthz")
    metrics = await client.get("/metrics")

    assert health.status_code == 200
    text = await metrics.get_data(as_text=True)
    assert 'route="/v1/content/<storage_id>"' in text
    assert 'status="404"' in text


async def _stored(client: Client, body: bytes = b"essay text") -> str:
    created = await client.post("/v1/content", data=body, headers=STORE_HEADERS)
    assert created.status_code == 201
    storage_id: str = (await created.get_json())["storage_id"]
    return storage_id


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "],
    ids=["missing", "wrong", "not-bearer", "longer", "empty"],
)
async def test_reads_and_writes_without_the_service_token_are_401(
    client: Client, authorization: str | None
) -> None:
    storage_id = await _stored(client)
    headers = {"Authorization": authorization} if authorization is not None else {}

    read = await client.get(f"/v1/content/{storage_id}", headers=headers)
    write = await client.post("/v1/content", data=b"x", headers={**headers, "X-Batch-ID": BATCH})

    for response in (read, write):
        assert response.status_code == 401
        body = await response.get_json()
        assert body["error"]["code"] in {"missing_token", "invalid_token"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert b"essay text" not in await response.get_data()


async def test_a_service_without_a_configured_token_refuses_everyone(tmp_path: Path) -> None:
    app = create_app(
        ContentServiceSettings(content_store_root=tmp_path / "s", consume_deletions=False)
    )
    async with app.test_app() as test_app:
        client = test_app.test_client()
        refused = await client.post("/v1/content", data=b"x", headers=content_headers("", BATCH))
        guessed = await client.get("/v1/content/" + "0" * 32, headers={"Authorization": "Bearer "})
        health = await client.get("/healthz")

    assert refused.status_code == 401 and guessed.status_code == 401
    assert health.status_code == 200


async def test_a_store_must_name_its_batch(client: Client) -> None:
    response = await client.post("/v1/content", data=b"x", headers=AUTH)
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "missing_batch_id"


async def test_a_store_for_a_deleted_batch_is_410_and_keeps_nothing(
    client: Client, settings: ContentServiceSettings
) -> None:
    app_store = FileContentStore(settings.content_store_root)
    try:
        await app_store.delete_batch(BATCH)
    finally:
        app_store.close()

    response = await client.post("/v1/content", data=b"late", headers=STORE_HEADERS)

    assert response.status_code == 410
    assert (await response.get_json())["error"]["code"] == "batch_deleted"
    shards = [p for p in settings.content_store_root.iterdir() if len(p.name) == 2]
    assert shards == []


async def test_openapi_documents_both_routes_and_their_errors(client: Client) -> None:
    spec = await (await client.get("/openapi.json")).get_json()

    store = spec["paths"]["/v1/content"]["post"]["responses"]
    fetch = spec["paths"]["/v1/content/{storage_id}"]["get"]["responses"]
    assert store["201"]["content"]["application/json"]["schema"]["properties"]["storage_id"]
    assert {"400", "401", "410", "413"} <= set(store)
    assert {"400", "401", "404"} <= set(fetch)


@pytest.fixture
async def roomy(settings: ContentServiceSettings) -> AsyncIterator[Client]:
    """A client of an app whose body limit fits a JSON request of several texts."""
    app = create_app(settings.model_copy(update={"max_content_bytes": 4096}))
    async with app.test_app() as test_app:
        yield test_app.test_client()


async def test_several_texts_in_one_request_are_kept_as_blobs_in_order(roomy: Client) -> None:
    texts = [
        {"content_type": "text/plain; charset=utf-8", "text": "Åsa's corrected essay.\n"},
        {"content_type": "application/json", "text": '[{"original": "Asa"}]'},
    ]

    created = await roomy.post("/v1/content/texts", json={"texts": texts}, headers=STORE_HEADERS)

    assert created.status_code == 201
    storage_ids = (await created.get_json())["storage_ids"]
    assert len(storage_ids) == 2 and len(set(storage_ids)) == 2
    for storage_id, sent in zip(storage_ids, texts, strict=True):
        fetched = await roomy.get(f"/v1/content/{storage_id}", headers=AUTH)
        assert await fetched.get_data() == sent["text"].encode()
        assert fetched.headers["Content-Type"] == sent["content_type"]


@pytest.mark.parametrize(
    ("body", "status"),
    [({"texts": []}, 422), ({"texts": [{"content_type": "text/plain", "text": ""}]}, 422)],
)
async def test_texts_request_without_a_text_is_refused_and_keeps_nothing(
    roomy: Client, settings: ContentServiceSettings, body: dict[str, object], status: int
) -> None:
    response = await roomy.post("/v1/content/texts", json=body, headers=STORE_HEADERS)

    assert response.status_code == status
    assert (await response.get_json())["error"]["code"] == "validation_error"
    assert [p for p in settings.content_store_root.iterdir() if len(p.name) == 2] == []


async def test_texts_for_a_deleted_batch_are_410_and_need_their_batch(
    roomy: Client, settings: ContentServiceSettings
) -> None:
    body = {"texts": [{"content_type": "text/plain", "text": "late"}]}
    app_store = FileContentStore(settings.content_store_root)
    try:
        await app_store.delete_batch(BATCH)
    finally:
        app_store.close()

    refused = await roomy.post("/v1/content/texts", json=body, headers=STORE_HEADERS)
    unnamed = await roomy.post("/v1/content/texts", json=body, headers=AUTH)

    assert refused.status_code == 410
    assert unnamed.status_code == 400
    assert (await unnamed.get_json())["error"]["code"] == "missing_batch_id"
