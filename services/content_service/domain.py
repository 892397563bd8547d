"""What Content Service keeps and the rules on it: storage ids, content types, and its errors.

No I/O here: the repository stores blobs by these rules, and the API layer turns the errors
into status codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STORAGE_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Printable ASCII only: the type goes back out as an HTTP header and sits on one line on disk.
_CONTENT_TYPE_PATTERN = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,254}")


class InvalidStorageId(ValueError):
    """The id is not 32 lowercase hex characters (or would leave the store)."""


class ContentNotFound(LookupError):
    """No blob has this id."""


class EmptyContent(ValueError):
    """A blob must have at least one byte."""


class MissingBatchId(ValueError):
    """A blob must name the batch it belongs to (so deleting the batch deletes it)."""


class BatchDeletedError(Exception):
    """The batch the blob would belong to was deleted: nothing is kept for it any more."""


# Longer ids are refused: BOS makes UUIDs, and the id only ever becomes a hash on disk.
MAX_BATCH_ID_LENGTH = 255


@dataclass(frozen=True)
class StoredContent:
    """A blob and the content type it was stored with."""

    data: bytes
    content_type: str


def is_storage_id(value: str) -> bool:
    """True when `value` has the shape of a storage id (32 lowercase hex characters)."""
    return STORAGE_ID_PATTERN.fullmatch(value) is not None


def normalise_content_type(value: str | None) -> str:
    """The content type to keep: the client's when it is a sane header value, else a default."""
    if value is None:
        return DEFAULT_CONTENT_TYPE
    value = value.strip()
    return value if _CONTENT_TYPE_PATTERN.fullmatch(value) else DEFAULT_CONTENT_TYPE
