"""The upload route's request and answer as OpenAPI models (documentation only: the route
parses the multipart form itself, with its limits, and builds the answer in domain.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema

# A file part of the multipart form.
BinaryFile = Annotated[bytes, WithJsonSchema({"type": "string", "format": "binary"})]


class UploadForm(BaseModel):
    """multipart/form-data: the batch and its files. Send `Idempotency-Key` (1-128 printable
    ASCII characters) to make a retry return the first answer instead of uploading again."""

    batch_id: str = Field(description="The batch BOS registered (awaiting_content).")
    files: list[BinaryFile] = Field(description="One or more .txt, .docx or .pdf files.")


class AcceptedFileBody(BaseModel):
    """A file whose text is stored and announced (or was already: `duplicate`)."""

    file_name: str
    file_upload_id: str
    duplicate: bool = Field(
        description="The batch already had this text: the first file's id, no second slot."
    )


class RejectedFileBody(BaseModel):
    """A file announced as failed, with the reason."""

    file_name: str
    error_code: str = Field(
        description="unsupported_file_type, unreadable_document or empty_content."
    )
    message: str


class UploadResponse(BaseModel):
    """202: every accepted text is stored and every event acknowledged by Kafka."""

    batch_id: str
    correlation_id: str
    accepted: list[AcceptedFileBody]
    rejected: list[RejectedFileBody]
