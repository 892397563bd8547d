"""Where Content Service state is written: blobs on disk, addressed only by a 32-hex storage id.

Layout: `<root>/<id[:2]>/<id>`, sharded so no directory grows to millions of entries. Each
file starts with one header line holding the content type, then the raw bytes; keeping both in
one file means a single atomic rename publishes the blob and its type together (a sidecar would
need two renames and could be seen half-written).

An id is checked against `[0-9a-f]{32}` before it is ever joined to a path, and the shard
directory and the blob are opened with O_NOFOLLOW relative to each other, so neither a crafted
id nor a symlink planted in the store can make a request read or write outside the root.

A write is durable before `save` returns: temp file written and fsynced, renamed into place,
then the shard directory fsynced so the rename itself survives a crash.

Every blob belongs to a batch (`batch_index.py`): deleting the batch removes its blobs, and a
deleted batch takes no new ones (BatchDeletedError), so a late store cannot bring it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import stat
import tempfile
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from services.content_service.batch_index import BatchIndex, batch_key
from services.content_service.config import DEFAULT_IO_THREADS
from services.content_service.domain import (
    BatchDeletedError,
    ContentNotFound,
    InvalidStorageId,
    StoredContent,
    is_storage_id,
    normalise_content_type,
)

_TEMP_PREFIX = ".tmp-"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# What opening a symlink with O_NOFOLLOW (or a non-directory with O_DIRECTORY) fails with.
_NOT_PLAIN = (errno.ELOOP, errno.ENOTDIR)
# Reading more than this from the page cache would hold up the loop for longer than a thread
# hop costs; larger blobs are always read in a thread.
INLINE_READ_MAX_BYTES = 256 * 1024
_RWF_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None) if hasattr(os, "preadv") else None

T = TypeVar("T")


class FileContentStore:
    """Stores and loads blobs under one root directory; blocking I/O runs in a thread pool."""

    def __init__(self, root: Path, io_threads: int = DEFAULT_IO_THREADS) -> None:
        self._root = root.resolve()
        self._index = BatchIndex(self._root)
        self._executor = ThreadPoolExecutor(io_threads, thread_name_prefix="content-store")

    @property
    def root(self) -> Path:
        """The resolved store directory."""
        return self._root

    def ensure_root(self) -> None:
        """Create the store directory (and the batch index's) if they do not exist yet."""
        self._root.mkdir(parents=True, exist_ok=True)
        self._index.ensure_dirs()

    def close(self) -> None:
        """Let running writes finish (each was promised durability), then stop the threads."""
        self._executor.shutdown(wait=True)

    async def save(self, data: bytes, content_type: str, batch_id: str) -> str:
        """Write a new blob of the batch durably and atomically; returns its fresh storage id.

        Raises BatchDeletedError when the batch was deleted, even while this write ran.
        """
        return (await self.save_many([(data, content_type)], batch_id))[0]

    async def save_many(self, blobs: Sequence[tuple[bytes, str]], batch_id: str) -> list[str]:
        """`save` for several blobs of one batch in one hop to an I/O thread; their ids in order.

        Each blob is durable and atomic on its own; one fsync of the batch's marker directory
        covers them all. If any write fails, none of them is kept.
        """
        typed = [(data, normalise_content_type(content_type)) for data, content_type in blobs]
        return await self._in_thread(self._save_in_batch, typed, batch_key(batch_id))

    async def delete_batch(self, batch_id: str) -> int:
        """Delete every blob of the batch and refuse its later stores; returns blobs removed.

        Idempotent: deleting again removes whatever a racing store left, and nothing else.
        """
        return await self._in_thread(self._delete_batch, batch_key(batch_id))

    async def prune_tombstones(self, older_than_seconds: float) -> int:
        """Forget deleted batches older than this (see BatchIndex.prune_tombstones)."""
        return await self._in_thread(self._index.prune_tombstones, older_than_seconds)

    async def load(self, storage_id: str) -> StoredContent:
        """Read a blob; raises InvalidStorageId or ContentNotFound.

        Blobs are usually fetched soon after they were stored, while the page cache still
        holds them; such a read takes microseconds, far less than a hop to a thread and back.
        So the read is tried on the loop with RWF_NOWAIT, which fails instead of waiting for
        the disk, and only a blob not (fully) cached, or a large one, is read in a thread.
        """
        if not is_storage_id(storage_id):
            raise InvalidStorageId(storage_id)
        # Two lookups of (nearly always cached) directory entries, no data read.
        fd = self._open_blob(storage_id)
        try:
            raw = _read_if_cached(fd, storage_id)
        except BaseException:
            os.close(fd)
            raise
        if raw is not None:
            os.close(fd)
            return _parse_blob(raw)
        # The thread owns and closes the fd: should this request be cancelled meanwhile,
        # closing it here could let a new file reuse the number under the running read.
        return _parse_blob(await self._in_thread(_read_and_close, fd, storage_id))

    async def is_writable(self) -> bool:
        """True when a probe file can be created and removed in the root."""
        return await self._in_thread(self._probe)

    async def _in_thread(self, func: Callable[..., T], *args: object) -> T:
        # run_in_executor, not to_thread: the store needs no context variables in the thread,
        # and copying them per call is wasted work on the hot path.
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    def _open_shard(self, storage_id: str, create: bool) -> int:
        """A directory fd for the id's shard; a symlinked shard is refused, never followed."""
        shard = f"{self._root}/{storage_id[:2]}"
        try:
            return os.open(shard, _DIR_FLAGS)
        except FileNotFoundError:
            if not create:
                raise ContentNotFound(storage_id) from None
        except OSError as exc:
            if exc.errno in _NOT_PLAIN:
                raise InvalidStorageId(storage_id) from None
            raise
        try:
            os.mkdir(shard)
        except FileExistsError:
            pass  # a concurrent writer created it first (and fsyncs the root for it)
        else:
            _fsync_dir(str(self._root))  # the new shard's entry must outlive a crash too
        return self._open_shard(storage_id, create=False)

    def _save_in_batch(self, blobs: Sequence[tuple[bytes, str]], key: str) -> list[str]:
        if self._index.is_deleted(key):
            raise BatchDeletedError(key)
        storage_ids = [uuid.uuid4().hex for _ in blobs]
        # Markers first, tombstone check last: see batch_index.py for why no blob can survive.
        self._index.add(key, storage_ids)
        try:
            for storage_id, (data, content_type) in zip(storage_ids, blobs, strict=True):
                self._save(storage_id, data, content_type)
        except BaseException:
            self._forget(key, storage_ids)
            raise
        if self._index.is_deleted(key):
            self._forget(key, storage_ids)
            raise BatchDeletedError(key)
        return storage_ids

    def _forget(self, key: str, storage_ids: Sequence[str]) -> None:
        """Remove blobs of a failed or refused store (those written so far), then markers."""
        for storage_id in storage_ids:
            self._unlink_blob(storage_id)
        self._index.remove(key, storage_ids)

    def _delete_batch(self, key: str) -> int:
        self._index.tombstone(key)
        removed = sum(self._unlink_blob(storage_id) for storage_id in self._index.members(key))
        self._index.drop(key)
        return removed

    def _unlink_blob(self, storage_id: str) -> bool:
        """Remove a blob durably; False when it was not there."""
        try:
            shard_fd = self._open_shard(storage_id, create=False)
        except (ContentNotFound, InvalidStorageId):
            return False
        try:
            os.unlink(storage_id, dir_fd=shard_fd)
        except FileNotFoundError:
            return False
        else:
            os.fsync(shard_fd)  # a crash must not bring a deleted blob back
        finally:
            os.close(shard_fd)
        return True

    def _save(self, storage_id: str, data: bytes, content_type: str) -> None:
        temp_name = _TEMP_PREFIX + storage_id
        shard_fd = self._open_shard(storage_id, create=True)
        try:
            fd = os.open(temp_name, _CREATE_FLAGS, 0o600, dir_fd=shard_fd)
            try:
                try:
                    _write_all(fd, content_type.encode("ascii") + b"\n", data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                # Same directory, so the rename is atomic: readers see the whole blob or none.
                os.replace(temp_name, storage_id, src_dir_fd=shard_fd, dst_dir_fd=shard_fd)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp_name, dir_fd=shard_fd)
                raise
            # The rename lives in the directory: without this a crash could lose a blob whose
            # id the client already has.
            os.fsync(shard_fd)
        finally:
            os.close(shard_fd)

    def _open_blob(self, storage_id: str) -> int:
        shard_fd = self._open_shard(storage_id, create=False)
        try:
            return os.open(storage_id, _READ_FLAGS, dir_fd=shard_fd)
        except FileNotFoundError:
            raise ContentNotFound(storage_id) from None
        except OSError as exc:
            if exc.errno in _NOT_PLAIN:
                raise InvalidStorageId(storage_id) from None
            raise
        finally:
            os.close(shard_fd)

    def _probe(self) -> bool:
        try:
            self.ensure_root()
            fd, name = tempfile.mkstemp(prefix=_TEMP_PREFIX + "probe-", dir=self._root)
            os.close(fd)
            os.unlink(name)
        except OSError:
            return False
        return True


def _write_all(fd: int, header: bytes, data: bytes) -> None:
    """Write header and data with one writev (no copy of the body), finishing short writes."""
    written = os.writev(fd, [header, data])
    rest = memoryview(header + data)[written:] if written < len(header) + len(data) else None
    while rest:
        rest = rest[os.write(fd, rest) :]


def _parse_blob(raw: bytes) -> StoredContent:
    header, _, data = raw.partition(b"\n")
    return StoredContent(data=data, content_type=header.decode("ascii", "replace"))


def _regular_size(fd: int, storage_id: str) -> int:
    """The open file's size; anything but a regular file (a directory) is not a blob."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise ContentNotFound(storage_id)
    return info.st_size


def _read_if_cached(fd: int, storage_id: str) -> bytes | None:
    """The whole blob when the page cache holds all of it and it is small, else None."""
    size = _regular_size(fd, storage_id)
    if _RWF_NOWAIT is None or size > INLINE_READ_MAX_BYTES:
        return None
    buffer = bytearray(size + 1)
    try:
        got = os.preadv(fd, [buffer], 0, _RWF_NOWAIT)
    except OSError:
        return None  # EAGAIN: not cached; EOPNOTSUPP: the file system cannot tell
    # Asking for one byte more than the size and getting exactly the size means EOF.
    return bytes(memoryview(buffer)[:got]) if got == size else None


def _read_and_close(fd: int, storage_id: str) -> bytes:
    """All bytes of the open blob, read (blocking) to EOF; closes the fd."""
    try:
        size = _regular_size(fd, storage_id)
        chunks = [os.read(fd, size + 1)]
        # A blob never changes once renamed into place, so the first read normally gets it
        # all; read on to EOF regardless rather than trust the size.
        while chunks[-1]:
            chunks.append(os.read(fd, 1 << 20))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, _DIR_FLAGS)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
