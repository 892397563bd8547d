"""HTTP routes: store a blob, fetch it back. Domain errors get their status codes here."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, jsonify, request
from quart_dishka import inject

from common_core.web import ApiError, error_response
from services.content_service.domain import ContentNotFound, EmptyContent, InvalidStorageId
from services.content_service.handlers import fetch_content, store_content
from services.content_service.protocols import ContentStore

content_api = Blueprint("content", __name__)


@content_api.errorhandler(EmptyContent)
async def _empty(exc: EmptyContent) -> Response:
    return error_response(400, "empty_content", str(exc))


@content_api.post("/v1/content")
@inject
async def post_content(store: FromDishka[ContentStore]) -> tuple[Response, int]:
    """Store the raw body with its Content-Type; answers 201 {storage_id}."""
    # Within the size limit: limit_request_body refused larger bodies before the route.
    data = await request.get_data(cache=False, as_text=False, parse_form_data=False)
    storage_id = await store_content(data, request.headers.get("Content-Type", ""), store)
    return jsonify({"storage_id": storage_id}), 201


@content_api.get("/v1/content/<storage_id>")
@inject
async def get_content(storage_id: str, store: FromDishka[ContentStore]) -> Response:
    """The stored bytes with the content type they were stored with."""
    # Mapped here, not blueprint-wide: a store that fails while saving is a 500, not a 400.
    try:
        content = await fetch_content(storage_id, store)
    except InvalidStorageId:
        raise ApiError(
            400, "invalid_storage_id", "storage ids are 32 lowercase hex characters"
        ) from None
    except ContentNotFound:
        raise ApiError(404, "not_found", "no content with this storage id") from None
    response = Response(content.data, status=200, content_type=content.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
