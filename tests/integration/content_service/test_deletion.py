"""Content Service consuming BatchDeleted from the real broker: the batch's blobs leave the
disk, other batches' stay, and a store arriving after the deletion is refused and kept nowhere."""

from __future__ import annotations

import uuid
from pathlib import Path

import aiohttp
import pytest

from common_core.content import content_headers
from common_core.enums import ProcessingEvent, ProcessingStage
from common_core.events import BatchDeleted
from common_core.kafka import KafkaEventPublisher
from common_core.metadata import EntityReference, event_metadata
from tests.support.content import CONTENT_TOKEN, blob_path, serving_content, store_blob
from tests.support.kafka import wait_until

pytestmark = pytest.mark.kafka


def batch_deleted(batch_id: str) -> BatchDeleted:
    return BatchDeleted(
        batch_id=batch_id,
        teacher_id="teacher-1",
        metadata=event_metadata(
            EntityReference.batch(batch_id),
            ProcessingEvent.BATCH_DELETED,
            ProcessingStage.COMPLETION,
        ),
    )


async def test_batch_deleted_removes_every_blob_of_the_batch_from_disk(
    kafka_bootstrap: str, tmp_path: Path, group_id: str
) -> None:
    root = tmp_path / "store"
    doomed, kept = f"batch-{uuid.uuid4().hex}", f"batch-{uuid.uuid4().hex}"
    async with serving_content(
        root,
        consume_deletions=True,
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=group_id,
    ) as url:
        gone = [
            await store_blob(url, b"original essay", doomed),
            await store_blob(url, b"corrected essay", doomed),
            await store_blob(url, b'[{"original": "teh"}]', doomed, "application/json"),
        ]
        survivor = await store_blob(url, b"another teacher's essay", kept)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/healthz") as health:
                assert (await health.json())["checks"] == {"store": True, "consumer": True}

            async with KafkaEventPublisher(kafka_bootstrap, "test_bos") as publisher:
                await publisher.publish(batch_deleted(doomed), "corr-delete")
            assert await wait_until(
                lambda: not any(blob_path(root, s).exists() for s in gone), timeout=30
            )

            async with session.post(
                f"{url}/v1/content",
                data=b"late corrected essay",
                headers=content_headers(CONTENT_TOKEN, doomed),
            ) as late:
                assert late.status == 410
            for storage_id in gone:
                async with session.get(
                    f"{url}/v1/content/{storage_id}", headers=content_headers(CONTENT_TOKEN)
                ) as read:
                    assert read.status == 404

    assert blob_path(root, survivor).exists()
    on_disk = [p for p in root.rglob("*") if p.is_file() and b"essay" in p.read_bytes()]
    assert on_disk == [blob_path(root, survivor)]
