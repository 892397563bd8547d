"""File Service's records (idempotency keys, batch files) on a real SQLite file per test.

The SQL repositories are the real ones: their races are settled by SQL (ON CONFLICT, guarded
UPDATEs), which a hand-written fake would only imitate. The schema comes from the models
(create_all, fast); tests/integration/test_migrations.py checks the migrations make the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from common_core.db import create_engine, session_factory
from services.file_service.domain import UploadedFile
from services.file_service.handlers import (
    IdempotencyPolicy,
    Upload,
    UploadCollaborators,
    handle_upload,
)
from services.file_service.models.orm import Base
from services.file_service.repository import SqlBatchFiles, SqlDeletedBatches, SqlUploadRequests
from services.file_service.tests.unit.fakes import (
    BATCH,
    FakeBatches,
    FakePublisher,
    FakeStorage,
)


@dataclass(frozen=True)
class Records:
    """The two stores an upload writes to, and the deletions that empty them."""

    requests: SqlUploadRequests
    files: SqlBatchFiles
    deletions: SqlDeletedBatches


@pytest.fixture
async def records(tmp_path: Path) -> AsyncIterator[Records]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'file_service.sqlite3'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = session_factory(engine)
    yield Records(SqlUploadRequests(sessions), SqlBatchFiles(sessions), SqlDeletedBatches(sessions))
    await engine.dispose()


@dataclass
class World:
    """The upload handler with fake neighbours and real records; `upload` runs one request."""

    records: Records
    batches: FakeBatches = field(default_factory=FakeBatches)
    storage: FakeStorage = field(default_factory=FakeStorage)
    publisher: FakePublisher = field(default_factory=FakePublisher)
    idempotency: IdempotencyPolicy = field(default_factory=IdempotencyPolicy)

    def deps(self, publish_timeout: float = 5.0) -> UploadCollaborators:
        return UploadCollaborators(
            batches=self.batches,
            storage=self.storage,
            publisher=self.publisher,
            requests=self.records.requests,
            files=self.records.files,
            store_concurrency=2,
            publish_timeout_seconds=publish_timeout,
            idempotency=self.idempotency,
        )

    async def upload(
        self,
        files: list[UploadedFile],
        correlation: str = "c",
        key: str | None = None,
        publish_timeout: float = 5.0,
        teacher: str = "t-1",
    ) -> dict[str, Any]:
        token = f"token-of-{teacher}"  # what BOS is asked with (FakeBatches.tokens)
        upload = Upload(
            BATCH, files, correlation, teacher_id=teacher, token=token, idempotency_key=key
        )
        return await handle_upload(upload, self.deps(publish_timeout))


@pytest.fixture
def world(records: Records) -> World:
    return World(records)
