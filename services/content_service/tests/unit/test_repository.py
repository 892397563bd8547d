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
from services.content_service.domain import (
    DEFAULT_CONTENT_TYPE,
    ContentNotFound,
    InvalidStorageId,
    is_storage_id,
    normalise_content_type,
)
from services.content_service.repository import FileContentStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FileContentStore]:
    store = FileContentStore(tmp_path / "store")
    store.ensure_root()
    yield store
    store.close()


async def test_round_trip_keeps_bytes_and_content_type(store: FileContentStore) -> None:
    data = "Hälsningar \u2013 Åsa\n".encode()
    storage_id = await store.save(data, "text/plain; charset=utf-8")

    loaded = await store.load(storage_id)

    assert is_storage_id(storage_id)
    assert loaded.data == data
    assert loaded.content_type == "text/plain; charset=utf-8"


async def test_body_that_starts_with_newlines_survives(store: FileContentStore) -> None:
    data = b"\n\nfirst line after blanks\n"
    storage_id = await store.save(data, "text/plain")
    assert (await store.load(storage_id)).data == data


async def test_blob_is_sharded_and_no_temp_files_remain(store: FileContentStore) -> None:
    storage_id = await store.save(b"x", "text/plain")

    files = [p for p in store.root.rglob("*") if p.is_file()]

    assert files == [store.root / storage_id[:2] / storage_id]


async def test_ids_are_unique(store: FileContentStore) -> None:
    ids = {await store.save(b"same", "text/plain") for _ in range(20)}
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

    await store.save(b"first", "text/plain")  # creates a shard: the root is fsynced too
    first = list(steps)
    steps.clear()
    storage_id = await store.save(b"second", "text/plain")

    assert first[0] == "fsync dir" and first[1:] == ["fsync blob", "rename", "fsync dir"]
    assert steps[-3:] == ["fsync blob", "rename", "fsync dir"]
    assert (await store.load(storage_id)).data == b"second"


async def test_failed_write_leaves_no_temp_file_and_no_blob(
    store: FileContentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "disk on fire")

    await store.save(b"warm the shard up", "text/plain")
    before = sorted(p for p in store.root.rglob("*") if p.is_file())
    monkeypatch.setattr(os, "fsync", failing_fsync)

    with pytest.raises(OSError):
        await store.save(b"lost", "text/plain")

    assert sorted(p for p in store.root.rglob("*") if p.is_file()) == before


@pytest.mark.parametrize("size", [0, 10, store_module.INLINE_READ_MAX_BYTES + 1])
async def test_blob_not_in_page_cache_is_read_in_a_thread(
    store: FileContentStore, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    storage_id = await store.save(data, "application/octet-stream")

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
