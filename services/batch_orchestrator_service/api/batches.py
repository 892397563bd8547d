"""REST entrypoints for batches: parse, call the handler, answer; domain errors become HTTP here.

The routes and their answers are the contract's (docs/architecture.md, Public REST API). Every
route needs a teacher's token (401 first, before anything about the request's body) and acts
for that teacher only: another teacher's batch answers the same 404 as an unknown id.
"""

from __future__ import annotations

from dishka import FromDishka
from pydantic import ValidationError
from quart import Blueprint, Response
from quart_dishka import inject
from quart_schema import validate_querystring, validate_request, validate_response
from quart_schema.validation import (
    QuerystringValidationError,
    RequestSchemaValidationError,
)
from werkzeug.exceptions import MethodNotAllowed

from common_core.auth.quart import current_teacher_id, require_teacher
from common_core.web import (
    correlation_id,
    error_response,
    require_json_body,
    validation_details,
)
from services.batch_orchestrator_service.domain import (
    Batch,
    BatchNotFinishedError,
    BatchNotFoundError,
    EssayIdsInUseError,
    PipelineAlreadyRequestedError,
)
from services.batch_orchestrator_service.handlers import register_batch, request_pipelines
from services.batch_orchestrator_service.models.api import (
    BatchListQuery,
    BatchListResponse,
    BatchStatusResponse,
    BatchSummary,
    DeleteBatchResponse,
    MetricSummary,
    RegisterBatchRequest,
    RegisterBatchResponse,
    RequestPipelinesRequest,
    RequestPipelinesResponse,
)
from services.batch_orchestrator_service.protocols import UnitOfWorkFactory
from services.batch_orchestrator_service.teachers import (
    delete_batch,
    teacher_batch,
    teacher_batches,
)

batches = Blueprint("batches", __name__, url_prefix="/v1/batches")
# First hook of the blueprint: an anonymous caller gets 401 before any 4xx about its body.
require_teacher(batches)


def status_url(batch_id: str) -> str:
    """Where a batch's status is served."""
    return f"/v1/batches/{batch_id}"


# 415 for a non-JSON body and 400 (with the position) for malformed JSON, before quart-schema.
batches.before_request(require_json_body)


@batches.errorhandler(EssayIdsInUseError)
async def _essay_ids_in_use(exc: EssayIdsInUseError) -> Response:
    return error_response(
        409, "essay_ids_in_use", "essay ids must be unique across batches", {"reason": str(exc)}
    )


@batches.errorhandler(BatchNotFoundError)
async def _batch_not_found(exc: BatchNotFoundError) -> Response:
    return error_response(404, "batch_not_found", str(exc))


@batches.errorhandler(BatchNotFinishedError)
async def _batch_not_finished(exc: BatchNotFinishedError) -> Response:
    return error_response(409, "batch_not_finished", str(exc))


@batches.errorhandler(PipelineAlreadyRequestedError)
async def _pipeline_already_run(exc: PipelineAlreadyRequestedError) -> Response:
    return error_response(409, "pipeline_already_run", str(exc))


@batches.errorhandler(QuerystringValidationError)
@batches.errorhandler(RequestSchemaValidationError)
async def _invalid_request(
    exc: RequestSchemaValidationError | QuerystringValidationError,
) -> Response:
    inner = exc.validation_error
    if not isinstance(inner, ValidationError):
        return error_response(400, "bad_request", f"malformed request body: {inner}")
    details = validation_details(inner)
    # The summary repeats each problem so a client printing only `message` still sees them
    # (for an unknown course code that includes the list of known codes).
    summary = "; ".join(
        f"{d['field'] or 'body'}: {d['message'].removeprefix('Value error, ')}" for d in details
    )
    return error_response(422, "validation_error", f"request failed validation: {summary}", details)


@batches.get("")
@validate_querystring(BatchListQuery)
@validate_response(BatchListResponse, 200)
@inject
async def list_batches(
    query_args: BatchListQuery, units_of_work: FromDishka[UnitOfWorkFactory]
) -> BatchListResponse:
    """The caller's own batches, newest first (`?limit=`, default 100, at most 500)."""
    found = await teacher_batches(current_teacher_id(), query_args.limit, units_of_work())
    return BatchListResponse(
        batches=[
            BatchSummary(
                batch_id=b.batch_id,
                status=b.status,
                course_code=b.course_code,
                class_designation=b.class_designation,
                expected_essay_count=b.expected_essay_count,
                requested_pipelines=b.requested_pipelines,
                created_at=b.created_at,
                updated_at=b.updated_at,
            )
            for b in found
        ]
    )


@batches.post("/register")
@validate_request(RegisterBatchRequest)
@validate_response(RegisterBatchResponse, 202)
@inject
async def register(
    data: RegisterBatchRequest, units_of_work: FromDishka[UnitOfWorkFactory]
) -> tuple[RegisterBatchResponse, int, dict[str, str]]:
    """Register a batch for the caller; answers 202 once it is stored (its event is on Kafka
    moments later)."""
    cid = correlation_id()
    registration = data.to_registration(current_teacher_id())
    batch = await register_batch(registration, cid, units_of_work())
    url = status_url(batch.batch_id)
    body = RegisterBatchResponse(
        batch_id=batch.batch_id, correlation_id=cid, essay_ids=batch.essay_ids, status_url=url
    )
    return body, 202, {"Location": url}


@batches.get("/<batch_id>")
@validate_response(BatchStatusResponse, 200)
@inject
async def get_batch(
    batch_id: str, units_of_work: FromDishka[UnitOfWorkFactory]
) -> BatchStatusResponse:
    """The batch's context, status and pipeline state; 404 for an id BOS does not know or a
    batch of another teacher (the same answer)."""
    if batch_id == "register":  # GET/HEAD on the POST-only route matched this one instead
        raise MethodNotAllowed(valid_methods=["POST"])
    return to_status_response(await teacher_batch(batch_id, current_teacher_id(), units_of_work()))


@batches.delete("/<batch_id>")
@validate_response(DeleteBatchResponse, 202)
@inject
async def delete(
    batch_id: str, units_of_work: FromDishka[UnitOfWorkFactory]
) -> tuple[DeleteBatchResponse, int]:
    """Delete the caller's batch, whatever its status: 202 once BOS has forgotten it and
    BatchDeleted is queued; ELS and Content Service forget their part within seconds."""
    cid = correlation_id()
    await delete_batch(batch_id, current_teacher_id(), cid, units_of_work())
    return DeleteBatchResponse(batch_id=batch_id, correlation_id=cid), 202


@batches.post("/<batch_id>/pipelines")
@validate_request(RequestPipelinesRequest)
@validate_response(RequestPipelinesResponse, 202)
@inject
async def run_pipelines(
    batch_id: str, data: RequestPipelinesRequest, units_of_work: FromDishka[UnitOfWorkFactory]
) -> tuple[RequestPipelinesResponse, int, dict[str, str]]:
    """Run more pipelines on the caller's completed or partially_completed batch; 202 once
    they are stored and the first of them started (409 if one has run already or the batch
    is not finished)."""
    cid = correlation_id()
    batch = await request_pipelines(
        batch_id, list(data.pipelines), current_teacher_id(), cid, units_of_work()
    )
    url = status_url(batch.batch_id)
    body = RequestPipelinesResponse(
        batch_id=batch.batch_id,
        correlation_id=cid,
        requested_pipelines=batch.requested_pipelines,
        status_url=url,
    )
    return body, 202, {"Location": url}


def to_status_response(batch: Batch) -> BatchStatusResponse:
    """The REST view of a batch."""
    return BatchStatusResponse(
        batch_id=batch.batch_id,
        status=batch.status,
        course_code=batch.course_code,
        class_designation=batch.class_designation,
        essay_instructions=batch.essay_instructions,
        language=batch.language,
        expected_essay_count=batch.expected_essay_count,
        essay_ids=batch.essay_ids,
        created_at=batch.created_at,
        updated_at=batch.updated_at,
        pipeline_state=batch.pipeline_state,
        class_summary=(
            {name: MetricSummary(**values) for name, values in batch.class_summary.items()}
            if batch.class_summary is not None
            else None
        ),
    )
