"""The gateway's OpenAPI document matches what it forwards: every documented operation is a
public route of the documented backend, every public route is documented, and the document
is served (with an offline /docs) without the catch-all or the web app's pages."""

from __future__ import annotations

import re

from services.api_gateway_service.app import create_app
from services.api_gateway_service.config import GatewaySettings
from services.api_gateway_service.domain import PUBLIC_ROUTES, resolve_route
from services.api_gateway_service.openapi import PUBLIC_OPERATIONS, WS_PATH


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "b-1", path)


def test_every_documented_operation_is_forwarded_to_its_backend() -> None:
    for op in PUBLIC_OPERATIONS:
        route = resolve_route(op.method, _concrete(op.path))
        assert route.backend is op.backend, op
        assert route.teacher_only is op.teacher_only, op
        assert route.upload is (op.path == "/v1/files/batch"), op


def test_every_public_route_and_method_is_documented() -> None:
    for route in PUBLIC_ROUTES:
        for method in route.methods:
            documented = [
                op
                for op in PUBLIC_OPERATIONS
                if op.method == method and route.pattern.fullmatch(_concrete(op.path))
            ]
            assert documented, (method, route.pattern.pattern)


async def test_the_document_and_docs_page_are_served() -> None:
    client = create_app(GatewaySettings()).test_client()
    spec = await (await client.get("/openapi.json")).get_json()

    paths = spec["paths"]
    assert {_concrete(op.path) for op in PUBLIC_OPERATIONS} <= {_concrete(p) for p in paths}
    assert "/v1/{rest}" not in paths and "/" not in paths
    assert paths[WS_PATH]["get"]["x-websocket"] is True
    upload = paths["/v1/files/batch"]["post"]
    assert upload["x-upstream-service"] == "file_service"
    assert upload["x-upstream-operation"] == "POST /v1/files/batch"
    assert upload["responses"]["413"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert "ErrorResponse" in spec["components"]["schemas"]
    docs = await client.get("/docs")
    page = await docs.get_data(as_text=True)
    assert docs.status_code == 200 and "/v1/batches/{batch_id}" in page
    assert "http" not in page  # nothing loaded from elsewhere: works offline
