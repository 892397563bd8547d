"""The upload handler with in-memory fakes: order of effects, rejections, failure modes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pytest

from common_core.enums import ContentType, ErrorCode
from common_core.events import EssayContentReady, EssayValidationFailed
from services.file_service.api.files import api_error
from services.file_service.domain import (
    BatchNotAwaitingContent,
    BatchNotFound,
    BosUnavailable,
    ContentServiceUnavailable,
    EventBusUnavailable,
    UploadedFile,
)
from services.file_service.handlers import UploadCollaborators, upload_batch_files
from services.file_service.tests.unit.fakes import (
    BATCH,
    FakeBatches,
    FakePublisher,
    FakeStorage,
)
from tests.support.documents import make_docx


@dataclass
class World:
    batches: FakeBatches = field(default_factory=FakeBatches)
    storage: FakeStorage = field(default_factory=FakeStorage)
    publisher: FakePublisher = field(default_factory=FakePublisher)

    def deps(self, publish_timeout: float = 5.0) -> UploadCollaborators:
        return UploadCollaborators(
            batches=self.batches,
            storage=self.storage,
            publisher=self.publisher,
            store_concurrency=2,
            publish_timeout_seconds=publish_timeout,
        )


def txt(name: str, text: str) -> UploadedFile:
    return UploadedFile(name, text.encode("utf-8"))


async def test_mixed_upload_stores_accepted_and_publishes_all_in_upload_order() -> None:
    world = World()
    files = [
        txt("anna.txt", "Name: Anna Svensson\nanna@school.se\nMy summer."),
        txt("blank.txt", "   \n"),
        UploadedFile("erik.docx", make_docx(["Namn: Erik", "Min sommar."])),
        txt("notes.odt", "whatever"),
        txt("copy.txt", "Name: Anna Svensson\nanna@school.se\nMy summer."),
    ]

    outcome = await upload_batch_files(BATCH, files, "corr-1", world.deps())

    assert [f.file_name for f in outcome.accepted] == ["anna.txt", "erik.docx"]
    assert [(f.file_name, f.error_code) for f in outcome.rejected] == [
        ("blank.txt", ErrorCode.EMPTY_CONTENT),
        ("notes.odt", ErrorCode.UNSUPPORTED_FILE_TYPE),
        ("copy.txt", ErrorCode.DUPLICATE_CONTENT),
    ]
    events = [event for event, _ in world.publisher.published]
    assert [e.original_file_name for e in events] == [f.file_name for f in files]  # type: ignore[attr-defined]
    assert {cid for _, cid in world.publisher.published} == {"corr-1"}
    anna = events[0]
    assert isinstance(anna, EssayContentReady)
    stored = world.storage.texts[
        anna.content_storage_reference.references[ContentType.ORIGINAL_ESSAY]
    ]
    assert stored == files[0].data.decode()
    assert anna.content_sha256 == hashlib.sha256(stored.encode()).hexdigest()
    assert (anna.student_name, anna.student_email) == ("Anna Svensson", "anna@school.se")
    erik = events[2]
    assert isinstance(erik, EssayContentReady)
    assert (erik.student_name, erik.student_email) == ("Erik", None)
    duplicate = events[4]
    assert isinstance(duplicate, EssayValidationFailed)
    assert "anna.txt" in duplicate.message
    ids = [e.file_upload_id for e in events]  # type: ignore[attr-defined]
    assert len(set(ids)) == len(files)
    assert all(len(i) == 32 for i in ids)


async def test_response_body_matches_the_contract() -> None:
    world = World()
    outcome = await upload_batch_files(
        BATCH, [txt("a.txt", "Hello"), txt("b.pdf", "")], "corr-2", world.deps()
    )

    body = outcome.to_json("corr-2")

    assert body["batch_id"] == BATCH
    assert body["correlation_id"] == "corr-2"
    assert body["accepted"] == [
        {"file_name": "a.txt", "file_upload_id": outcome.accepted[0].file_upload_id}
    ]
    assert body["rejected"] == [
        {
            "file_name": "b.pdf",
            "error_code": "unreadable_document",
            "message": outcome.rejected[0].message,
        }
    ]


async def test_unknown_batch_is_refused_before_any_work() -> None:
    world = World(batches=FakeBatches(statuses={}))
    with pytest.raises(BatchNotFound) as caught:
        await upload_batch_files(BATCH, [txt("a.txt", "Hello")], "c", world.deps())
    assert api_error(caught.value).status == 404
    assert world.storage.calls == 0
    assert world.publisher.published == []


async def test_batch_past_awaiting_content_is_409() -> None:
    world = World(batches=FakeBatches(statuses={BATCH: "processing"}))
    with pytest.raises(BatchNotAwaitingContent) as caught:
        await upload_batch_files(BATCH, [txt("a.txt", "Hello")], "c", world.deps())
    assert api_error(caught.value).status == 409
    assert caught.value.details == {"batch_id": BATCH, "status": "processing"}
    assert world.storage.calls == 0


async def test_bos_down_propagates_as_503_and_nothing_happens() -> None:
    world = World(batches=FakeBatches(down=True))
    with pytest.raises(BosUnavailable) as caught:
        await upload_batch_files(BATCH, [txt("a.txt", "Hello")], "c", world.deps())
    assert api_error(caught.value).status == 503
    assert world.storage.calls == 0


async def test_content_service_failure_publishes_nothing_not_even_rejections() -> None:
    world = World(storage=FakeStorage(fail_on_call=3))
    files = [txt(f"{i}.txt", f"essay {i}") for i in range(6)] + [txt("x.odt", "no")]

    with pytest.raises(ContentServiceUnavailable) as caught:
        await upload_batch_files(BATCH, files, "c", world.deps())

    assert api_error(caught.value).status == 503
    assert world.publisher.published == []


async def test_kafka_error_is_503() -> None:
    world = World(publisher=FakePublisher(error=ConnectionError("broker gone")))
    with pytest.raises(EventBusUnavailable) as caught:
        await upload_batch_files(BATCH, [txt("a.txt", "Hello")], "c", world.deps())
    assert api_error(caught.value).status == 503


async def test_kafka_that_never_acks_times_out_as_503() -> None:
    world = World(publisher=FakePublisher(hang=True))
    with pytest.raises(EventBusUnavailable):
        await upload_batch_files(
            BATCH, [txt("a.txt", "Hello")], "c", world.deps(publish_timeout=0.1)
        )


async def test_all_rejected_still_publishes_failures() -> None:
    world = World()
    outcome = await upload_batch_files(BATCH, [txt("a.txt", " ")], "c", world.deps())
    assert outcome.accepted == []
    assert world.storage.calls == 0
    assert [type(e) for e, _ in world.publisher.published] == [EssayValidationFailed]
