"""The on-disk store: round trips, atomic layout, and ids that can never leave the root."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.content_service import repository as store_module
from services.content_service.batch_index import batch_key
from services.content_service.domain import (
    DEFAULT_CONTENT_TYPE,
    BatchDeletedError,
    ContentNotFound,
    InvalidStorageId,
    is_storage_id,
    normalise_content_type,
)
from services.content_service.repository import FileContentStore

BATCH = "batch-1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FileContentStore]:
    store = FileContentStore(tmp_path / "store")
    store.ensure_root()
    yield store
    store.close()


async def test_round_trip_keeps_bytes_and_content_type(store: FileContentStore) -> None:
    data = "Hälsningar \u2013 Åsa\n".encode()
    storage_id = await store.save(data, "text/plain; charset=utf-8", BATCH)

    loaded = await store.load(storage_id)

    assert is_storage_id(storage_id)
    assert loaded.data == data
    assert loaded.content_type == "text/plain; charset=utf-8"


async def test_body_that_starts_with_newlines_survives(store: FileContentStore) -> None:
    data = b"\n\nfirst line after blanks\n"
    storage_id = await store.save(data, "text/plain", BATCH)
    assert (await store.load(storage_id)).data == data


async def test_blob_is_sharded_and_no_temp_files_remain(store: FileContentStore) -> None:
    storage_id = await store.save(b"x", "text/plain", BATCH)

    files = sorted(p for p in store.root.rglob("*") if p.is_file())

    marker = store.root / "batches" / batch_key(BATCH) / storage_id
    assert files == sorted([store.root / storage_id[:2] / storage_id, marker])


async def test_ids_are_unique(store: FileContentStore) -> None:
    ids = {await store.save(b"same", "text/plain", BATCH) for _ in range(20)}
    assert len(ids) == 20


async def test_unknown_id_is_not_found(store: FileContentStore) -> None:
    with pytest.raises(ContentNotFound):
        await store.load("0" * 32)


@pytest.mark.parametrize(
    "storage_id",
    [
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "/etc/passwd",
        "a" * 31,
        "a" * 33,
        "A" * 32,
        "g" * 32,
        "",
        "0" * 30 + "/.",
        "0" * 31 + "\n",
    ],
)
async def test_malformed_ids_are_refused_before_touching_disk(
    store: FileContentStore, storage_id: str
) -> None:
    with pytest.raises(InvalidStorageId):
        await store.load(storage_id)


async def test_symlinked_shard_pointing_outside_is_refused(
    store: FileContentStore, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ("ab" + "0" * 30)).write_bytes(b"text/plain\nsecret")
    (store.root / "ab").symlink_to(outside, target_is_directory=True)

    with pytest.raises(InvalidStorageId):
        await store.load("ab" + "0" * 30)


async def test_probe_reports_unwritable_root(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_bytes(b"")
    assert not await FileContentStore(blocker / "store").is_writable()
    assert await FileContentStore(tmp_path / "fresh").is_writable()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (None, DEFAULT_CONTENT_TYPE),
        ("", DEFAULT_CONTENT_TYPE),
        ("application/json", "application/json"),
        ("text/plain\nX-Evil: 1", DEFAULT_CONTENT_TYPE),
        ("x" * 300, DEFAULT_CONTENT_TYPE),
    ],
)
def test_content_type_is_kept_only_when_it_is_a_sane_header(given: str | None, kept: str) -> None:
    assert normalise_content_type(given) == kept


async def test_symlinked_blob_is_refused_not_followed(
    store: FileContentStore, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"text/plain\nsecret")
    storage_id = "cd" + "0" * 30
    (store.root / "cd").mkdir()
    (store.root / "cd" / storage_id).symlink_to(secret)

    with pytest.raises(InvalidStorageId):
        await store.load(storage_id)


async def test_save_fsyncs_blob_before_rename_and_directory_after(
    store: FileContentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        steps.append("fsync dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync blob")

    def replace(*args: Any, **kwargs: Any) -> None:
        real_replace(*args, **kwargs)
        steps.append("rename")

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)

    await store.save(b"first", "text/plain", BATCH)  # creates a shard: the root is fsynced too
    first = list(steps)
    steps.clear()
    storage_id = await store.save(b"second", "text/plain", BATCH)

    # The batch's new marker directory and its marker, the new shard, then the blob.
    assert first == ["fsync dir"] * 3 + ["fsync blob", "rename", "fsync dir"]
    # The marker before anything of the blob (a new shard may add one root fsync between).
    assert steps[0] == "fsync dir" and steps[-3:] == ["fsync blob", "rename", "fsync dir"]
    assert (await store.load(storage_id)).data == b"second"


async def test_failed_write_leaves_no_temp_file_and_no_blob(
    store: FileContentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "disk on fire")

    await store.save(b"warm the shard up", "text/plain", BATCH)
    before = sorted(p for p in store.root.rglob("*") if p.is_file())
    monkeypatch.setattr(os, "fsync", failing_fsync)

    with pytest.raises(OSError):
        await store.save(b"lost", "text/plain", BATCH)

    assert sorted(p for p in store.root.rglob("*") if p.is_file()) == before


@pytest.mark.parametrize("size", [0, 10, store_module.INLINE_READ_MAX_BYTES + 1])
async def test_blob_not_in_page_cache_is_read_in_a_thread(
    store: FileContentStore, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    storage_id = await store.save(data, "application/octet-stream", BATCH)

    def not_cached(fd: int, buffers: object, offset: int, flags: int) -> int:
        raise BlockingIOError(errno.EAGAIN, "would block")

    monkeypatch.setattr(os, "preadv", not_cached)
    loaded = await store.load(storage_id)

    assert loaded.data == data
    assert loaded.content_type == "application/octet-stream"


async def test_a_directory_in_place_of_a_blob_is_not_found(store: FileContentStore) -> None:
    storage_id = "ef" + "0" * 30
    (store.root / "ef" / storage_id).mkdir(parents=True)

    with pytest.raises(ContentNotFound):
        await store.load(storage_id)


def _blob_files(root: Path) -> list[Path]:
    """Every blob on disk (markers and tombstones are not blobs)."""
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.parts[len(root.parts)] not in INDEX_DIRS
    )


INDEX_DIRS = {"batches", "tombstones"}


async def test_deleting_a_batch_removes_its_blobs_and_markers_only(
    store: FileContentStore,
) -> None:
    mine = [await store.save(f"text {i}".encode(), "text/plain", BATCH) for i in range(3)]
    other = await store.save(b"someone else's", "text/plain", "batch-2")

    removed = await store.delete_batch(BATCH)

    assert removed == 3
    for storage_id in mine:
        with pytest.raises(ContentNotFound):
            await store.load(storage_id)
    assert _blob_files(store.root) == [store.root / other[:2] / other]
    assert not (store.root / "batches" / batch_key(BATCH)).exists()
    assert (store.root / "tombstones" / batch_key(BATCH)).is_file()
    assert await store.delete_batch(BATCH) == 0  # a redelivered deletion finds nothing more


async def test_a_deleted_batch_takes_no_new_blobs(store: FileContentStore) -> None:
    await store.delete_batch(BATCH)

    with pytest.raises(BatchDeletedError):
        await store.save(b"late corrected text", "text/plain", BATCH)

    assert _blob_files(store.root) == []
    assert not (store.root / "batches" / batch_key(BATCH)).exists()


async def test_a_deletion_landing_during_a_store_leaves_no_blob(
    store: FileContentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the tombstone-after-write check exists for: the batch is deleted after the
    store's first check but before its blob is renamed into place."""
    real_save = FileContentStore._save

    def save_then_get_deleted(self: FileContentStore, *args: Any) -> None:
        real_save(self, *args)
        self._delete_batch(batch_key(BATCH))  # the deletion runs while the store is in flight

    monkeypatch.setattr(FileContentStore, "_save", save_then_get_deleted)

    with pytest.raises(BatchDeletedError):
        await store.save(b"in flight", "text/plain", BATCH)

    assert _blob_files(store.root) == []


async def test_a_deletion_before_the_blob_exists_is_caught_by_the_last_check(
    store: FileContentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deletion lists the markers before the blob is written: the store removes it."""
    real_save = FileContentStore._save

    def deleted_first(self: FileContentStore, *args: Any) -> None:
        self._delete_batch(batch_key(BATCH))
        real_save(self, *args)

    monkeypatch.setattr(FileContentStore, "_save", deleted_first)

    with pytest.raises(BatchDeletedError):
        await store.save(b"in flight", "text/plain", BATCH)

    assert _blob_files(store.root) == []


async def test_old_tombstones_are_pruned_new_ones_kept(store: FileContentStore) -> None:
    await store.delete_batch("old-batch")
    await store.delete_batch(BATCH)
    old = store.root / "tombstones" / batch_key("old-batch")
    os.utime(old, (1_000_000, 1_000_000))

    assert await store.prune_tombstones(older_than_seconds=86_400) == 1

    assert not old.exists()
    with pytest.raises(BatchDeletedError):
        await store.save(b"late", "text/plain", BATCH)
    assert await store.save(b"fine again", "text/plain", "old-batch")


async def test_save_many_keeps_each_blob_with_its_type_in_one_batch(
    store: FileContentStore,
) -> None:
    ids = await store.save_many([(b"corrected", "text/plain"), (b"[]", "application/json")], BATCH)

    loaded = [await store.load(storage_id) for storage_id in ids]
    assert [(c.data, c.content_type) for c in loaded] == [
        (b"corrected", "text/plain"),
        (b"[]", "application/json"),
    ]
    assert await store.delete_batch(BATCH) == 2
    assert _blob_files(store.root) == []


async def test_save_many_failing_midway_keeps_none_of_its_blobs(
    store: FileContentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_save = FileContentStore._save
    calls: list[str] = []

    def second_write_fails(self: FileContentStore, storage_id: str, *args: Any) -> None:
        calls.append(storage_id)
        if len(calls) == 2:
            raise OSError("disk full")
        real_save(self, storage_id, *args)

    monkeypatch.setattr(FileContentStore, "_save", second_write_fails)

    with pytest.raises(OSError, match="disk full"):
        await store.save_many([(b"one", "text/plain"), (b"two", "text/plain")], BATCH)

    assert len(calls) == 2
    assert _blob_files(store.root) == []
    assert not (store.root / "batches" / batch_key(BATCH)).exists()
