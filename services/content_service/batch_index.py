"""Which blobs belong to which batch, and which batches were deleted: both on disk, beside
the blobs, so deleting a batch needs no database and survives restarts.

Layout under the store root (blobs themselves stay in `<id[:2]>/<id>`):

    batches/<key>/<storage_id>   an empty marker per blob of the batch
    tombstones/<key>             an empty file per deleted batch

`<key>` is the SHA-256 of the batch id, so any id is a safe, fixed-length file name.

Why deleting and a late store cannot leave a blob behind (docs/security.md, "Deletion"):
a store writes its marker *before* its blob and checks for a tombstone *after* the blob is in
place; a deletion writes the tombstone *before* it lists the markers. Either the store's check
sees the tombstone (and the store removes its own blob), or the check came first, and then the
marker was already there when the deletion listed the batch, so the deletion removes it.
All calls here block (they fsync); the store runs them in its I/O threads.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_MARKER_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


def batch_key(batch_id: str) -> str:
    """The file name standing for a batch id (hex SHA-256: no separators, fixed length)."""
    return hashlib.sha256(batch_id.encode("utf-8")).hexdigest()


class BatchIndex:
    """Markers of each batch's blobs and tombstones of deleted batches, under `root`."""

    def __init__(self, root: Path) -> None:
        self._batches = root / "batches"
        self._tombstones = root / "tombstones"

    def ensure_dirs(self) -> None:
        """Create the two directories (at start, so requests never race to make them)."""
        self._batches.mkdir(parents=True, exist_ok=True)
        self._tombstones.mkdir(parents=True, exist_ok=True)

    def is_deleted(self, key: str) -> bool:
        """True once the batch has a tombstone."""
        return os.path.exists(self._tombstones / key)

    def add(self, key: str, storage_ids: Sequence[str]) -> None:
        """Record that the storage ids belong to the batch, durably, before their blobs are
        written; one directory fsync covers all of them."""
        directory = self._batches / key
        for _ in range(3):
            try:
                if not directory.is_dir():
                    with contextlib.suppress(FileExistsError):
                        directory.mkdir()
                    _fsync_dir(self._batches)  # the new directory's entry must last too
                for storage_id in storage_ids:
                    os.close(os.open(directory / storage_id, _MARKER_FLAGS, 0o600))
            except FileNotFoundError:
                continue  # a deletion removed the directory between mkdir and open: again
            try:
                _fsync_dir(directory)
            except BaseException:
                self.remove(key, storage_ids)
                raise
            return
        raise OSError(errno.ENOENT, "the batch's marker directory keeps disappearing")

    def remove(self, key: str, storage_ids: Sequence[str]) -> None:
        """Forget markers (their blobs were not written, or were removed again)."""
        for storage_id in storage_ids:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._batches / key / storage_id)
        with contextlib.suppress(OSError):  # not empty (other blobs) or already gone
            os.rmdir(self._batches / key)

    def tombstone(self, key: str) -> None:
        """Mark the batch deleted, durably: from now on no store for it is accepted."""
        fd = os.open(self._tombstones / key, _MARKER_FLAGS, 0o600)
        os.close(fd)
        _fsync_dir(self._tombstones)

    def members(self, key: str) -> list[str]:
        """Storage ids recorded for the batch (markers whose blob may or may not exist)."""
        try:
            return sorted(entry.name for entry in os.scandir(self._batches / key))
        except FileNotFoundError:
            return []

    def drop(self, key: str) -> None:
        """Remove the batch's marker directory and its markers (its blobs are gone already)."""
        for storage_id in self.members(key):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._batches / key / storage_id)
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(self._batches / key)
        _fsync_dir(self._batches)

    def prune_tombstones(self, older_than_seconds: float) -> int:
        """Remove tombstones older than this; returns how many.

        A tombstone only has to outlive the messages that could still store for its batch,
        which Kafka keeps for days, not months.
        """
        cutoff = time.time() - older_than_seconds
        pruned = 0
        for entry in os.scandir(self._tombstones):
            with contextlib.suppress(FileNotFoundError):
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    pruned += 1
        return pruned


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, _DIR_FLAGS)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
