"""POST /v1/files/batch: parsing and limits here, the decision in handlers.upload_batch_files.

This is the only place File Service speaks HTTP: the handler's domain errors get their status
and error code here (`api_error`). The route needs a teacher's token (401 before anything about
the body); the teacher's id and token go to the handler, which asks BOS as that teacher.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from dishka import FromDishka
from quart import Blueprint, Response, jsonify, request
from quart.datastructures import FileStorage
from quart_dishka import inject
from quart_schema import DataSource, document_request, document_response

from common_core.auth import bearer_token
from common_core.auth.quart import current_teacher_id, require_teacher
from common_core.openapi import document_errors
from common_core.web import ApiError, correlation_id, error_response, payload_too_large
from services.file_service.api.schemas import UploadForm, UploadResponse
from services.file_service.config import FileServiceSettings
from services.file_service.domain import (
    BatchNotAwaitingContent,
    BatchNotFound,
    BosUnavailable,
    ContentServiceUnavailable,
    EventBusUnavailable,
    RecordsUnavailable,
    UploadedFile,
    UploadInProgress,
    UploadRefused,
    is_valid_idempotency_key,
)
from services.file_service.handlers import Upload, UploadCollaborators, handle_upload

files_api = Blueprint("files", __name__)
# First hook of the blueprint: an anonymous caller gets 401 before anything about its body
# (FinishReadingBody lets a client still sending that body read the answer).
require_teacher(files_api)

# What each refusal means in HTTP: 404 and 409 are the contract's; 503 means "try again".
_REFUSALS: dict[type[UploadRefused], tuple[int, str]] = {
    BatchNotFound: (404, "batch_not_found"),
    BatchNotAwaitingContent: (409, "batch_not_awaiting_content"),
    UploadInProgress: (409, "idempotency_key_in_use"),
    BosUnavailable: (503, "bos_unavailable"),
    ContentServiceUnavailable: (503, "content_service_unavailable"),
    EventBusUnavailable: (503, "event_bus_unavailable"),
    RecordsUnavailable: (503, "file_records_unavailable"),
}

IDEMPOTENCY_HEADER = "Idempotency-Key"

# BOS makes the ids; this only keeps anything that is not id-like out of BOS's URL path.
_BATCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
MAX_LABEL_LENGTH = 255
# A longer "extension" is part of the name (`notes.from a very long meeting...`).
MAX_SUFFIX_LENGTH = 16
# filename="..." in a part's Content-Disposition; \" inside is an escaped quote.
_QUOTED_FILENAME = re.compile(r'(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"', re.IGNORECASE)


@files_api.post("/v1/files/batch")
@document_request(UploadForm, source=DataSource.FORM_MULTIPART)
@document_response(UploadResponse, 202)
@document_errors(400, 401, 404, 409, 413, 415, 503)
@inject
async def upload_files(
    settings: FromDishka[FileServiceSettings], deps: FromDishka[UploadCollaborators]
) -> tuple[Response, int]:
    """Multipart `batch_id` + `files` -> 202 once every text is stored and every event acked."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "send the files as multipart/form-data")
    idempotency_key = request.headers.get(IDEMPOTENCY_HEADER)
    if idempotency_key is not None and not is_valid_idempotency_key(idempotency_key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"{IDEMPOTENCY_HEADER} must be 1 to 128 printable ASCII characters",
        )
    if (request.content_length or 0) > settings.max_request_bytes:
        raise _request_too_large(settings.max_request_bytes)
    form = await request.form
    batch_id = (form.get("batch_id") or "").strip()
    if not batch_id:
        raise ApiError(400, "missing_batch_id", "the form field batch_id is required")
    if not _BATCH_ID.fullmatch(batch_id):
        raise ApiError(400, "invalid_batch_id", "batch_id is not a valid batch id")
    uploads = [f for f in (await request.files).getlist("files") if f.filename or _has_data(f)]
    if not uploads:
        raise ApiError(400, "no_files", "attach one or more files in the form field files")
    if len(uploads) > settings.max_files_per_request:
        raise too_large(
            "too_many_files",
            f"at most {settings.max_files_per_request} files per upload",
            max_files=settings.max_files_per_request,
            files=len(uploads),
        )
    files = await asyncio.to_thread(_read_files, uploads, settings.max_file_bytes)
    if sum(len(f.data) for f in files) > settings.max_request_bytes:
        raise _request_too_large(settings.max_request_bytes)  # a chunked body gave no length
    upload = Upload(
        batch_id,
        files,
        correlation_id(),
        teacher_id=current_teacher_id(),
        # The token the guard verified, passed on so BOS answers for this teacher.
        token=bearer_token(request.headers.get("Authorization")),
        idempotency_key=idempotency_key,
    )
    return jsonify(await handle_upload(upload, deps)), 202


def api_error(refusal: UploadRefused) -> ApiError:
    """The JSON error a refused upload is answered with."""
    status, code = _REFUSALS[type(refusal)]
    return ApiError(status, code, refusal.message, refusal.details)


@files_api.errorhandler(UploadRefused)
async def _refused(refusal: UploadRefused) -> Response:
    error = api_error(refusal)
    return error_response(error.status, error.code, error.message, error.details)


def too_large(code: str, message: str, **details: Any) -> ApiError:
    """A 413 with the limit that was exceeded in its details."""
    return ApiError(413, code, message, details)


def file_label(raw_name: str | None) -> str:
    """The client's file name as a display label: last path segment (`/` or `\\`), no control
    characters, at most 255 characters with the extension kept (it decides the file type)."""
    name = (raw_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > MAX_LABEL_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and len(suffix) <= MAX_SUFFIX_LENGTH:
            name = f"{stem[: MAX_LABEL_LENGTH - len(suffix) - 1].rstrip()}.{suffix}"
        else:
            name = name[:MAX_LABEL_LENGTH]
    return name or "unnamed"


def raw_file_name(upload: FileStorage) -> str | None:
    """The file name as the client sent it in Content-Disposition.

    The multipart parser reads `filename="..."` as an RFC 2616 quoted string, where a backslash
    escapes the next character: `C:\\Users\\t\\essay.txt` (as Windows browsers and many
    clients send it, unescaped) became `C:Userstessay.txt`. Here only `\\"` is an escape; every
    other backslash stays a path separator. `filename*=` (RFC 5987) is left to the parser.
    """
    disposition = upload.headers.get("Content-Disposition", "")
    if "filename*=" not in disposition:
        match = _QUOTED_FILENAME.search(disposition)
        if match is not None:
            return match.group(1).replace('\\"', '"')
    return upload.filename


def _request_too_large(max_bytes: int) -> ApiError:
    return payload_too_large(max_bytes, f"the upload is larger than {max_bytes} bytes")


def _has_data(upload: FileStorage) -> bool:
    # A browser sends an empty part with no name for an untouched file input; skip only those.
    stream = upload.stream
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size > 0


def _read_files(uploads: Sequence[FileStorage], max_file_bytes: int) -> list[UploadedFile]:
    files: list[UploadedFile] = []
    for upload in uploads:
        label = file_label(raw_file_name(upload))
        data = upload.stream.read(max_file_bytes + 1)
        if len(data) > max_file_bytes:
            raise too_large(
                "file_too_large",
                f"{label} is larger than {max_file_bytes} bytes",
                file_name=label,
                max_bytes=max_file_bytes,
            )
        files.append(UploadedFile(file_name=label, data=data))
    return files
