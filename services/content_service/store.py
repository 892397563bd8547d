"""Blobs on disk, addressed only by a 32-hex storage id.

Layout: `<root>/<id[:2]>/<id>`, sharded so no directory grows to millions of entries. Each
file starts with one header line holding the content type, then the raw bytes; keeping both in
one file means a single atomic rename publishes the blob and its type together (a sidecar would
need two renames and could be seen half-written).

An id is checked against `[0-9a-f]{32}` before it is ever joined to a path, and the resolved
path must still be inside the root, so no id can address a file elsewhere.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

STORAGE_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Printable ASCII only: the type goes back out as an HTTP header and sits on one line here.
_CONTENT_TYPE_PATTERN = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,254}")
_TEMP_PREFIX = ".tmp-"


class InvalidStorageId(ValueError):
    """The id is not 32 lowercase hex characters (or would leave the store)."""


class ContentNotFound(LookupError):
    """No blob has this id."""


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


class FileContentStore:
    """Stores and loads blobs under one root directory; blocking I/O runs in a thread."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    @property
    def root(self) -> Path:
        """The resolved store directory."""
        return self._root

    def ensure_root(self) -> None:
        """Create the store directory if it does not exist yet."""
        self._root.mkdir(parents=True, exist_ok=True)

    def path_for(self, storage_id: str) -> Path:
        """The file of `storage_id`; raises InvalidStorageId for anything but 32 hex chars."""
        if not is_storage_id(storage_id):
            raise InvalidStorageId(storage_id)
        path = self._root / storage_id[:2] / storage_id
        # The pattern already rules out separators and dots; this guards against a shard
        # directory replaced by a symlink that points out of the store.
        if not path.resolve().is_relative_to(self._root):
            raise InvalidStorageId(storage_id)
        return path

    async def save(self, data: bytes, content_type: str) -> str:
        """Write a new blob atomically and return its fresh storage id."""
        return await asyncio.to_thread(self._save, data, normalise_content_type(content_type))

    async def load(self, storage_id: str) -> StoredContent:
        """Read a blob; raises InvalidStorageId or ContentNotFound."""
        path = self.path_for(storage_id)
        return await asyncio.to_thread(self._load, path)

    async def is_writable(self) -> bool:
        """True when a probe file can be created and removed in the root."""
        return await asyncio.to_thread(self._probe)

    def _save(self, data: bytes, content_type: str) -> str:
        storage_id = uuid.uuid4().hex
        path = self.path_for(storage_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content_type.encode("ascii") + b"\n")
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            # Same directory, so the rename is atomic: readers see the whole blob or none.
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return storage_id

    @staticmethod
    def _load(path: Path) -> StoredContent:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ContentNotFound(path.name) from None
        header, _, data = raw.partition(b"\n")
        return StoredContent(data=data, content_type=header.decode("ascii", "replace"))

    def _probe(self) -> bool:
        try:
            self.ensure_root()
            fd, name = tempfile.mkstemp(prefix=_TEMP_PREFIX + "probe-", dir=self._root)
            os.close(fd)
            os.unlink(name)
        except OSError:
            return False
        return True
