"""ELS API routes serving an essay's texts: the original or the spell-corrected text, and the
corrections log. Teachers read texts here, their own essays' only (another teacher's essay is
the same 404 as an unknown one); Content Service itself is internal."""

from __future__ import annotations

from enum import StrEnum

from dishka import FromDishka
from quart import Blueprint, Response, request
from quart_dishka import inject
from quart_schema import document_querystring

from common_core.auth.quart import current_teacher_id, require_teacher
from common_core.content_client import ContentClient, ContentUnavailable, UnusableTextError
from common_core.openapi import document_errors
from common_core.web import ApiError
from services.essay_lifecycle_service.api.schemas import TextQuery
from services.essay_lifecycle_service.views import EssayViews

texts = Blueprint("texts", __name__)
require_teacher(texts)

TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"


class TextVersion(StrEnum):
    """Which text of an essay: as uploaded, or after spellchecking."""

    ORIGINAL = "original"
    CORRECTED = "corrected"


@texts.get("/v1/essays/<essay_id>/text")
@document_querystring(TextQuery)
@document_errors(401, 404, 409, 422, 503)
@inject
async def get_essay_text(
    essay_id: str, views: FromDishka[EssayViews], content: FromDishka[ContentClient]
) -> Response:
    """The essay's text (`?version=original`, the default, or `corrected`), as text/plain."""
    raw_version = request.args.get("version", TextVersion.ORIGINAL.value)
    try:
        version = TextVersion(raw_version)
    except ValueError:
        raise ApiError(
            422,
            "validation_error",
            "version must be 'original' or 'corrected'",
            [{"field": "version", "message": "must be original or corrected", "type": "enum"}],
        ) from None
    ids = await views.essay_text_ids(essay_id, current_teacher_id())
    if ids is None:
        raise _unknown_essay(essay_id)
    storage_id = ids.original if version is TextVersion.ORIGINAL else ids.corrected
    if storage_id is None:
        raise _not_ready(f"the essay has no {version.value} text yet")
    return _answer(await _fetch(content, essay_id, storage_id), TEXT_CONTENT_TYPE)


@texts.get("/v1/essays/<essay_id>/corrections")
@document_errors(401, 404, 409, 503)
@inject
async def get_essay_corrections(
    essay_id: str, views: FromDishka[EssayViews], content: FromDishka[ContentClient]
) -> Response:
    """The spellcheck's corrections as stored: `[{original, corrected, start, end}]`, offsets
    into the original text."""
    ids = await views.essay_text_ids(essay_id, current_teacher_id())
    if ids is None:
        raise _unknown_essay(essay_id)
    if ids.corrections_log is None:
        raise _not_ready("the essay has not been spellchecked yet")
    return _answer(await _fetch(content, essay_id, ids.corrections_log), JSON_CONTENT_TYPE)


def _answer(body: str, content_type: str) -> Response:
    response = Response(body, status=200, content_type=content_type)
    # A student's text is data, never markup a browser should guess its way into running.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


async def _fetch(content: ContentClient, essay_id: str, storage_id: str) -> str:
    try:
        return await content.fetch_text(storage_id)
    except UnusableTextError:
        # The blob is gone: its batch is being deleted (the rows go a moment later).
        raise _unknown_essay(essay_id) from None
    except ContentUnavailable:
        raise ApiError(
            503, "content_unavailable", "the essay texts cannot be read right now; try again"
        ) from None


def _unknown_essay(essay_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no essay with id {essay_id!r}")


def _not_ready(message: str) -> ApiError:
    return ApiError(409, "text_not_ready", message)
