"""HTTP routes: store a blob, fetch it back, health."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, jsonify, request
from quart_dishka import inject

from common_core.logs import get_logger
from common_core.web import ApiError
from services.content_service.store import (
    ContentNotFound,
    FileContentStore,
    InvalidStorageId,
)

logger = get_logger(__name__)

content_api = Blueprint("content", __name__)


@content_api.post("/v1/content")
@inject
async def store_content(store: FromDishka[FileContentStore]) -> tuple[Response, int]:
    """Store the raw body with its Content-Type; answers 201 {storage_id}."""
    # Within the size limit: limit_request_body refused larger bodies before the route.
    data = await request.get_data(cache=False, as_text=False, parse_form_data=False)
    if not data:
        raise ApiError(400, "empty_content", "the request body is empty")
    storage_id = await store.save(data, request.headers.get("Content-Type", ""))
    logger.info("content_stored", storage_id=storage_id, size=len(data))
    return jsonify({"storage_id": storage_id}), 201


@content_api.get("/v1/content/<storage_id>")
@inject
async def fetch_content(storage_id: str, store: FromDishka[FileContentStore]) -> Response:
    """The stored bytes with the content type they were stored with."""
    try:
        content = await store.load(storage_id)
    except InvalidStorageId:
        raise ApiError(
            400, "invalid_storage_id", "storage ids are 32 lowercase hex characters"
        ) from None
    except ContentNotFound:
        raise ApiError(404, "not_found", "no content with this storage id") from None
    response = Response(content.data, status=200, content_type=content.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@content_api.get("/healthz")
@inject
async def healthz(store: FromDishka[FileContentStore]) -> Response:
    """200 when the store directory is writable, else 503."""
    if not await store.is_writable():
        raise ApiError(503, "service_unavailable", "the content store is not writable")
    return jsonify({"status": "ok"})
