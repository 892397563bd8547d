"""Events the BOS integration tests publish in ELS's place, and BOS's events read back from
their topics."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from common_core.enums import ErrorCode, EssayStatus
from common_core.events import (
    BatchEssaysReady,
    EssayLifecycleStateUpdated,
    EssayProcessingInputRef,
    FailedUpload,
)
from common_core.metadata import EntityReference
from common_core.pipeline_catalog import PIPELINES
from tests.support.bos import RunningBos, batch_meta
from tests.support.kafka import collect_records


def ready(
    batch_id: str, essay_ids: list[str], failed_files: Sequence[str] = ()
) -> BatchEssaysReady:
    """ELS's BatchEssaysReady: these essays got content (text ids `text-<essay>`), these files
    failed."""
    return BatchEssaysReady(
        batch_id=batch_id,
        ready_essays=[
            EssayProcessingInputRef(essay_id=e, text_storage_id=f"text-{e}") for e in essay_ids
        ],
        failed_uploads=[
            FailedUpload(
                file_upload_id=f"upload-{uuid.uuid4().hex[:12]}",
                file_name=name,
                error_code=ErrorCode.EMPTY_CONTENT,
                message="the file has no text",
            )
            for name in failed_files
        ],
        metadata=batch_meta(batch_id),
    )


def state_update(
    batch_id: str,
    essay_id: str,
    status: EssayStatus,
    metrics: dict[str, int | float | None] | None = None,
) -> EssayLifecycleStateUpdated:
    """ELS's update of one essay, in the phase of the pipeline the status belongs to."""
    stage = next(
        spec.stage
        for spec in PIPELINES.values()
        if status in (spec.awaiting_status, spec.success_status, spec.failure_status)
    )
    return EssayLifecycleStateUpdated(
        batch_id=batch_id,
        entity_ref=EntityReference.essay(essay_id, batch_id),
        status=status,
        phase=stage,
        metrics=metrics,
        metadata=batch_meta(batch_id),
    )


async def on_topic(bos: RunningBos, topic: str, batch_id: str, count: int) -> list[dict[str, Any]]:
    """Envelopes for the batch that really landed on the topic (waits for `count`)."""
    records = await collect_records(
        bos.settings.kafka_bootstrap_servers, topic, lambda r: r.key == batch_id.encode(), count
    )
    return [json.loads(r.value) for r in records]
