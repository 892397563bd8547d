"""The upload handler with in-memory fakes: order of effects, rejections, failure modes."""

from __future__ import annotations

import hashlib
from typing import Any

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
from services.file_service.tests.unit.conftest import World
from services.file_service.tests.unit.fakes import BATCH
from tests.support.documents import make_docx


def txt(name: str, text: str) -> UploadedFile:
    return UploadedFile(name, text.encode("utf-8"))


def ids(body: dict[str, Any]) -> list[str]:
    return [a["file_upload_id"] for a in body["accepted"]]


async def test_mixed_upload_stores_accepted_and_publishes_essays_first(
    world: World,
) -> None:
    files = [
        txt("anna.txt", "Name: Anna Svensson\nanna@school.se\nMy summer."),
        txt("blank.txt", "   \n"),
        UploadedFile("erik.docx", make_docx(["Namn: Erik", "Min sommar."])),
        txt("notes.odt", "whatever"),
    ]

    body = await world.upload(files, "corr-1")

    assert [a["file_name"] for a in body["accepted"]] == ["anna.txt", "erik.docx"]
    assert [(f["file_name"], f["error_code"]) for f in body["rejected"]] == [
        ("blank.txt", ErrorCode.EMPTY_CONTENT.value),
        ("notes.odt", ErrorCode.UNSUPPORTED_FILE_TYPE.value),
    ]
    events = [event for event, _ in world.publisher.published]
    names = [e.original_file_name for e in events]  # type: ignore[attr-defined]
    assert names == ["anna.txt", "erik.docx", "blank.txt", "notes.odt"]
    assert {cid for _, cid in world.publisher.published} == {"corr-1"}
    anna = events[0]
    assert isinstance(anna, EssayContentReady)
    stored = world.storage.texts[
        anna.content_storage_reference.references[ContentType.ORIGINAL_ESSAY]
    ]
    assert stored == files[0].data.decode()
    assert anna.content_sha256 == hashlib.sha256(stored.encode()).hexdigest()
    assert (anna.student_name, anna.student_email) == ("Anna Svensson", "anna@school.se")
    erik = events[1]
    assert isinstance(erik, EssayContentReady)
    assert (erik.student_name, erik.student_email) == ("Erik", None)
    event_ids = [e.file_upload_id for e in events]  # type: ignore[attr-defined]
    assert len(set(event_ids)) == len(files)
    assert all(len(i) == 32 for i in event_ids)


async def test_duplicate_in_one_request_takes_no_slot_and_is_not_a_failure(
    world: World,
) -> None:
    """Issue 15, defect 4: `a-copy.txt` used to be rejected and counted as a failed upload."""
    body = await world.upload([txt("a.txt", "Same essay"), txt("a-copy.txt", "Same essay")])

    assert body["rejected"] == []
    first, copy = body["accepted"]
    assert (first["duplicate"], copy["duplicate"]) == (False, True)
    assert copy["file_upload_id"] == first["file_upload_id"]
    events = [event for event, _ in world.publisher.published]
    assert [type(e) for e in events] == [EssayContentReady]  # one slot, no failure event
    assert world.storage.calls == 1


async def test_duplicate_in_a_later_request_answers_its_first_id(world: World) -> None:
    first = await world.upload([txt("a.txt", "Same essay")])
    again = await world.upload([txt("renamed.txt", "Same essay"), txt("b.txt", "Other")])

    assert again["accepted"][0] == {
        "file_name": "renamed.txt",
        "file_upload_id": ids(first)[0],
        "duplicate": True,
    }
    assert again["accepted"][1]["duplicate"] is False
    assert len(world.publisher.published) == 2  # a.txt and b.txt, once each


async def test_a_rejected_file_sent_again_is_announced_once(world: World) -> None:
    await world.upload([txt("blank.txt", " ")])
    again = await world.upload([txt("blank.txt", " "), txt("other-blank.txt", "\n")])

    assert [f["file_name"] for f in again["rejected"]] == ["blank.txt", "other-blank.txt"]
    events = [event for event, _ in world.publisher.published]
    assert [e.original_file_name for e in events] == ["blank.txt", "other-blank.txt"]  # type: ignore[attr-defined]


async def test_response_body_matches_the_contract(world: World) -> None:
    body = await world.upload([txt("a.txt", "Hello"), txt("b.pdf", "")], "corr-2")

    assert body["batch_id"] == BATCH
    assert body["correlation_id"] == "corr-2"
    assert body["accepted"] == [
        {"file_name": "a.txt", "file_upload_id": ids(body)[0], "duplicate": False}
    ]
    assert body["rejected"] == [
        {
            "file_name": "b.pdf",
            "error_code": "unreadable_document",
            "message": body["rejected"][0]["message"],
        }
    ]


async def test_unknown_batch_is_refused_before_any_work(world: World) -> None:
    world.batches.statuses = {}
    with pytest.raises(BatchNotFound) as caught:
        await world.upload([txt("a.txt", "Hello")])
    assert api_error(caught.value).status == 404
    assert world.storage.calls == 0
    assert world.publisher.published == []


async def test_batch_past_awaiting_content_is_409(world: World) -> None:
    world.batches.statuses = {BATCH: "processing"}
    with pytest.raises(BatchNotAwaitingContent) as caught:
        await world.upload([txt("a.txt", "Hello")])
    assert api_error(caught.value).status == 409
    assert caught.value.details == {"batch_id": BATCH, "status": "processing"}
    assert world.storage.calls == 0


async def test_bos_down_propagates_as_503_and_nothing_happens(world: World) -> None:
    world.batches.down = True
    with pytest.raises(BosUnavailable) as caught:
        await world.upload([txt("a.txt", "Hello")])
    assert api_error(caught.value).status == 503
    assert world.storage.calls == 0


async def test_content_service_failure_publishes_nothing_not_even_rejections(
    world: World,
) -> None:
    world.storage.fail_on_call = 3
    files = [txt(f"{i}.txt", f"essay {i}") for i in range(6)] + [txt("x.odt", "no")]

    with pytest.raises(ContentServiceUnavailable) as caught:
        await world.upload(files)

    assert api_error(caught.value).status == 503
    assert world.publisher.published == []


async def test_a_retry_after_a_failure_announces_every_file_under_its_first_id(
    world: World,
) -> None:
    """Files recorded by a failed attempt are not duplicates of themselves on the retry."""
    world.publisher.error = ConnectionError("broker gone")
    files = [txt("a.txt", "Hello"), txt("blank.txt", "")]
    with pytest.raises(EventBusUnavailable):
        await world.upload(files)
    world.publisher.error = None

    body = await world.upload(files)

    assert [a["duplicate"] for a in body["accepted"]] == [False]
    assert len(body["rejected"]) == 1
    events = [event for event, _ in world.publisher.published]
    assert [type(e) for e in events] == [EssayContentReady, EssayValidationFailed]


async def test_kafka_error_is_503(world: World) -> None:
    world.publisher.error = ConnectionError("broker gone")
    with pytest.raises(EventBusUnavailable) as caught:
        await world.upload([txt("a.txt", "Hello")])
    assert api_error(caught.value).status == 503


async def test_kafka_that_never_acks_times_out_as_503(world: World) -> None:
    world.publisher.hang = True
    with pytest.raises(EventBusUnavailable):
        await world.upload([txt("a.txt", "Hello")], publish_timeout=0.1)


async def test_all_rejected_still_publishes_failures(world: World) -> None:
    body = await world.upload([txt("a.txt", " ")])
    assert body["accepted"] == []
    assert world.storage.calls == 0
    assert [type(e) for e, _ in world.publisher.published] == [EssayValidationFailed]


async def test_bos_is_asked_with_the_uploading_teachers_token(world: World) -> None:
    await world.upload([txt("a.txt", "Hello")], teacher="t-anna")
    assert world.batches.tokens == ["token-of-t-anna"]


async def test_another_teachers_batch_is_refused_like_an_unknown_one(world: World) -> None:
    world.batches.statuses = {}  # what BOS answers a teacher about someone else's batch
    with pytest.raises(BatchNotFound) as caught:
        await world.upload([txt("a.txt", "Hello")], key="key-1")
    assert api_error(caught.value).status == 404
    assert world.storage.calls == 0 and world.publisher.published == []


def junk(count: int) -> list[UploadedFile]:
    return [UploadedFile(f"setup-{i}.exe", b"MZ" + bytes([i])) for i in range(count)]


def published(world: World) -> list[tuple[str, str]]:
    return [(type(e).__name__, e.original_file_name) for e, _ in world.publisher.published]  # type: ignore[attr-defined]


async def test_rejections_beyond_the_free_slots_are_answered_but_never_announced(
    world: World,
) -> None:
    """Known gap of docs/reliability.md: 2 slots, 2 essays + junk in one request. Announced,
    the junk raced the essays for the slots in ELS and could leave the batch `failed`."""
    world.batches.expected_essay_count = 2
    files = [txt("anna.txt", "Anna's essay"), *junk(5), txt("erik.txt", "Erik's essay")]

    body = await world.upload(files)

    assert [a["file_name"] for a in body["accepted"]] == ["anna.txt", "erik.txt"]
    assert [r["file_name"] for r in body["rejected"]] == [f"setup-{i}.exe" for i in range(5)]
    assert {r["error_code"] for r in body["rejected"]} == {ErrorCode.UNSUPPORTED_FILE_TYPE.value}
    assert all("no free slot" in r["message"] for r in body["rejected"])
    assert published(world) == [
        ("EssayContentReady", "anna.txt"),
        ("EssayContentReady", "erik.txt"),
    ]


async def test_rejections_take_only_the_slots_left_after_every_file_on_record(
    world: World,
) -> None:
    world.batches.expected_essay_count = 4
    await world.upload([txt("anna.txt", "Anna's essay")])  # 3 slots left
    world.publisher.published.clear()

    body = await world.upload([*junk(3), txt("erik.txt", "Erik's essay"), *junk(5)[3:]])

    # Erik's essay first, then the first two rejections in upload order; three are excess.
    assert published(world) == [
        ("EssayContentReady", "erik.txt"),
        ("EssayValidationFailed", "setup-0.exe"),
        ("EssayValidationFailed", "setup-1.exe"),
    ]
    excess = [r["file_name"] for r in body["rejected"] if "no free slot" in r["message"]]
    assert excess == ["setup-2.exe", "setup-3.exe", "setup-4.exe"]

    # Sent again: the two announced are not announced twice, the excess stay excess.
    world.publisher.published.clear()
    again = await world.upload(junk(5))
    assert world.publisher.published == []
    excess = [r["file_name"] for r in again["rejected"] if "no free slot" in r["message"]]
    assert excess == ["setup-2.exe", "setup-3.exe", "setup-4.exe"]


async def test_a_resumed_keyed_request_still_caps_rejections(world: World) -> None:
    """A key whose first attempt passed the batch check and failed does not check the status
    again, but the batch's essay count still caps its rejections."""
    world.batches.expected_essay_count = 1
    world.publisher.error = RuntimeError("broker down")
    files = [*junk(2), txt("anna.txt", "Anna's essay")]
    with pytest.raises(EventBusUnavailable):
        await world.upload(files, key="k-1")
    world.publisher.error = None
    world.batches.statuses[BATCH] = "ready_for_processing"

    body = await world.upload(files, key="k-1")

    assert published(world) == [("EssayContentReady", "anna.txt")]
    assert len(body["rejected"]) == 2
