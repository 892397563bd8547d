"""What a teacher may read and remove of their batches, and retention: the decisions behind
`GET /v1/batches`, `GET /v1/batches/{id}`, `DELETE /v1/batches/{id}` and BOS_RETENTION_DAYS.

Another teacher's batch raises the same BatchNotFoundError as an unknown id, so the API answers
both with the identical 404: nobody learns which batch ids exist.

A deletion removes BOS's rows and publishes BatchDeleted in one transaction (outbox); ELS and
Content Service forget their part when they consume it. The id is remembered in
`deleted_batches`, so results still in flight for the batch are dropped (handlers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from common_core.logs import get_logger
from common_core.metadata import utc_now
from services.batch_orchestrator_service.domain import (
    Batch,
    BatchNotFoundError,
    retention_cutoff,
)
from services.batch_orchestrator_service.metrics import BATCHES_DELETED
from services.batch_orchestrator_service.outgoing import batch_deleted
from services.batch_orchestrator_service.protocols import UnitOfWork, UnitOfWorkFactory

logger = get_logger(__name__)

# Batches purged per transaction (and per round of the sweep's loop).
PURGE_CHUNK = 100


async def teacher_batch(batch_id: str, teacher_id: str, uow: UnitOfWork) -> Batch:
    """The teacher's batch; BatchNotFoundError for an unknown id or someone else's batch."""
    async with uow:
        batch = await uow.batches.get(batch_id)
    if batch is None or not batch.owned_by(teacher_id):
        raise BatchNotFoundError(f"no batch with id {batch_id!r}")
    return batch


async def teacher_batches(teacher_id: str, limit: int, uow: UnitOfWork) -> list[Batch]:
    """The teacher's own batches, newest first, at most `limit`."""
    async with uow:
        return await uow.batches.of_teacher(teacher_id, limit)


async def delete_batch(
    batch_id: str, teacher_id: str, correlation_id: str, uow: UnitOfWork
) -> Batch:
    """DELETE /v1/batches/{id}: the teacher's batch goes, whatever its status.

    Raises BatchNotFoundError (unknown, someone else's, or already deleted); then nothing
    changes. Returns the batch as it was.
    """
    async with uow:
        batch = await uow.batches.get(batch_id, for_update=True)
        if batch is None or not batch.owned_by(teacher_id):
            raise BatchNotFoundError(f"no batch with id {batch_id!r}")
        await _forget(uow, batch, correlation_id)
        await uow.commit()
    BATCHES_DELETED.labels("teacher").inc()
    logger.info(
        "batch_deleted", batch_id=batch_id, teacher_id=teacher_id, batch_status=batch.status
    )
    return batch


async def purge_expired_batches(
    units_of_work: UnitOfWorkFactory,
    retention_days: int,
    correlation_id: str,
    now: Callable[[], datetime] = utc_now,
) -> int:
    """Delete every batch registered more than `retention_days` ago, exactly as its teacher
    could (BatchDeleted included); returns how many. A chunk per transaction."""
    cutoff = retention_cutoff(now(), retention_days)
    purged = 0
    while True:
        uow = units_of_work()
        async with uow:
            expired = await uow.batches.created_before(cutoff, PURGE_CHUNK)
            for batch_id in expired:
                # Locked and read again: another replica's sweep may have taken it meanwhile.
                batch = await uow.batches.get(batch_id, for_update=True)
                if batch is not None:
                    await _forget(uow, batch, correlation_id)
                    purged += 1
            if not expired:
                break
            await uow.commit()
        if len(expired) < PURGE_CHUNK:
            break
    if purged:
        BATCHES_DELETED.labels("retention").inc(purged)
        logger.info("batches_purged", batches=purged, retention_days=retention_days)
    return purged


async def _forget(uow: UnitOfWork, batch: Batch, correlation_id: str) -> None:
    """Remove the batch's rows and tell every service to forget it (one transaction)."""
    await uow.batches.delete(batch.batch_id, utc_now())
    uow.publish(batch_deleted(batch), correlation_id)
