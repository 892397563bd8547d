"""HTTP routes: store a blob of a batch, fetch it back. Only fleet services may call them
(the service token); domain errors get their status codes here."""

from __future__ import annotations

from typing import Annotated

from dishka import FromDishka
from pydantic import BaseModel, Field
from quart import Blueprint, Response, current_app, jsonify, request
from quart_dishka import inject
from quart_schema import document_response, validate_request

from common_core.auth import check_service_token
from common_core.content import BATCH_DELETED_STATUS, BATCH_ID_HEADER
from common_core.openapi import document_errors
from common_core.web import ApiError, error_response
from services.content_service.domain import (
    BatchDeletedError,
    ContentNotFound,
    EmptyContent,
    InvalidStorageId,
    MissingBatchId,
)
from services.content_service.handlers import fetch_content, store_content, store_contents
from services.content_service.protocols import ContentStore

# The app's config key holding the expected service token (set by create_app).
SERVICE_TOKEN_CONFIG = "HULEEDU_CONTENT_SERVICE_TOKEN"

content_api = Blueprint("content", __name__)
# A spell check stores two texts; NLP one. The cap keeps one request's work bounded.
MAX_TEXTS_PER_REQUEST = 8


class StorageIdResponse(BaseModel):
    """201: where the blob is kept."""

    storage_id: str = Field(pattern=r"^[0-9a-f]{32}$")


# The types the fleet itself stores (texts, spellcheck logs, NLP metrics). Anything else came
# from elsewhere and may be active content (text/html, image/svg+xml with a script): it is
# served as a download in a sandbox, so a browser that opens it never runs it (issue 15,
# defect 6).
FLEET_CONTENT_TYPES = frozenset({"text/plain", "application/json"})


@content_api.before_request
async def _fleet_services_only() -> None:
    """Every content route needs the service token: Content Service is internal (401)."""
    check_service_token(
        request.headers.get("Authorization"), current_app.config[SERVICE_TOKEN_CONFIG]
    )


@content_api.errorhandler(EmptyContent)
async def _empty(exc: EmptyContent) -> Response:
    return error_response(400, "empty_content", str(exc))


@content_api.errorhandler(MissingBatchId)
async def _no_batch(exc: MissingBatchId) -> Response:
    return error_response(400, "missing_batch_id", f"{exc}: send the {BATCH_ID_HEADER} header")


@content_api.errorhandler(BatchDeletedError)
async def _batch_deleted(exc: BatchDeletedError) -> Response:
    return error_response(
        BATCH_DELETED_STATUS, "batch_deleted", "the batch was deleted; nothing is kept for it"
    )


@content_api.post("/v1/content")
@document_response(StorageIdResponse, 201)
@document_errors(400, 401, 410, 413)
@inject
async def post_content(store: FromDishka[ContentStore]) -> tuple[Response, int]:
    """Store the raw body with its Content-Type in its batch (X-Batch-ID); 201 {storage_id}."""
    # Within the size limit: limit_request_body refused larger bodies before the route.
    data = await request.get_data(cache=False, as_text=False, parse_form_data=False)
    storage_id = await store_content(
        data,
        request.headers.get("Content-Type", ""),
        request.headers.get(BATCH_ID_HEADER, ""),
        store,
    )
    return jsonify({"storage_id": storage_id}), 201


class TextBlob(BaseModel):
    """One text to keep, with the content type it is served with."""

    content_type: str = Field(min_length=1, max_length=255, examples=["text/plain; charset=utf-8"])
    text: str = Field(min_length=1)


class StoreTextsRequest(BaseModel):
    """Several texts of one batch (X-Batch-ID), stored in one request: all or none."""

    texts: list[TextBlob] = Field(min_length=1, max_length=MAX_TEXTS_PER_REQUEST)


class StorageIdsResponse(BaseModel):
    """201: where each text is kept, in the order they were sent."""

    storage_ids: list[Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]]


@content_api.post("/v1/content/texts")
@validate_request(StoreTextsRequest)
@document_response(StorageIdsResponse, 201)
@document_errors(400, 401, 410, 413, 422)
@inject
async def post_texts(
    data: StoreTextsRequest, store: FromDishka[ContentStore]
) -> tuple[Response, int]:
    """Store several UTF-8 texts of the batch (X-Batch-ID) at once, each as its own blob with
    its content type, as if each were POSTed to /v1/content; 201 {storage_ids} in order."""
    storage_ids = await store_contents(
        [(blob.text.encode("utf-8"), blob.content_type) for blob in data.texts],
        request.headers.get(BATCH_ID_HEADER, ""),
        store,
    )
    return jsonify({"storage_ids": storage_ids}), 201


@content_api.get("/v1/content/<storage_id>")
@document_errors(400, 401, 404)
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
    if response.mimetype not in FLEET_CONTENT_TYPES:
        response.headers["Content-Disposition"] = f'attachment; filename="{storage_id}"'
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
