"""ELS API routes: one essay, a batch's essays. Read-only; the worker owns the writes.

Every route needs a teacher's token and answers for that teacher's batches only: another
teacher's essay or batch answers the same 404 as an unknown id.
"""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, jsonify
from quart_dishka import inject
from quart_schema import document_response

from common_core.auth.quart import current_teacher_id, require_teacher
from common_core.openapi import document_errors
from common_core.web import ApiError
from services.essay_lifecycle_service.api.schemas import BatchEssaysView, EssayView
from services.essay_lifecycle_service.views import EssayViews

essays = Blueprint("essays", __name__)
require_teacher(essays)


@essays.get("/v1/essays/<essay_id>")
@document_response(EssayView)
@document_errors(401, 404)
@inject
async def get_essay(essay_id: str, views: FromDishka[EssayViews]) -> Response:
    """One essay: status, file and student, storage references, spellcheck, timeline."""
    essay = await views.essay(essay_id, current_teacher_id())
    if essay is None:
        raise ApiError(404, "not_found", f"no essay with id {essay_id!r}")
    return jsonify(essay)


@essays.get("/v1/batches/<batch_id>/essays")
@document_response(BatchEssaysView)
@document_errors(401, 404)
@inject
async def get_batch_essays(batch_id: str, views: FromDishka[EssayViews]) -> Response:
    """Every slot of a registered batch, plus its failed and excess uploads."""
    batch = await views.batch_essays(batch_id, current_teacher_id())
    if batch is None:
        raise ApiError(404, "not_found", f"no registered batch with id {batch_id!r}")
    return jsonify(batch)
