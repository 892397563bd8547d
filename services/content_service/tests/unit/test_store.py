"""The on-disk store: round trips, atomic layout, and ids that can never leave the root."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.content_service.store import (
    DEFAULT_CONTENT_TYPE,
    ContentNotFound,
    FileContentStore,
    InvalidStorageId,
    is_storage_id,
    normalise_content_type,
)


@pytest.fixture
def store(tmp_path: Path) -> FileContentStore:
    store = FileContentStore(tmp_path / "store")
    store.ensure_root()
    return store


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
