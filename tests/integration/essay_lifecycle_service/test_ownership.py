"""The ELS API with real tokens from the real identity service: every route needs one, a
teacher reads only their own batches' essays and texts, and BatchDeleted through the real
broker makes the worker forget the batch, whose late results are then dropped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from common_core.enums import EssayStatus, ProcessingEvent
from common_core.topics import dlt_topic_name, topic_name
from services.essay_lifecycle_service.app import create_app
from services.essay_lifecycle_service.config import ELSSettings
from tests.support.auth import AuthedClient, IdentityUnderTest, Teacher
from tests.support.els import Els, WorkerHandle, ready_batch
from tests.support.els_events import batch_deleted, new_id, spellcheck_result
from tests.support.kafka import collect_records, poll

pytestmark = pytest.mark.kafka


def routes(batch_id: str, essay_id: str) -> list[str]:
    """Every teacher-facing route of the ELS API."""
    return [
        f"/v1/batches/{batch_id}/essays",
        f"/v1/essays/{essay_id}",
        f"/v1/essays/{essay_id}/text?version=original",
        f"/v1/essays/{essay_id}/text?version=corrected",
        f"/v1/essays/{essay_id}/corrections",
    ]


@pytest.fixture
async def real_tokens(
    els_settings: ELSSettings, identity: IdentityUnderTest
) -> AsyncIterator[AuthedClient]:
    """The real API app verifying tokens with the real identity's JWKS (no teacher yet)."""
    settings = els_settings.model_copy(update={"identity_jwks_url": identity.jwks_url})
    app = create_app(settings)
    async with app.test_app() as test_app:
        yield AuthedClient(test_app.test_client(), {})


async def owned_batch(els: Els, teacher: Teacher) -> tuple[str, str]:
    """A filled batch of one essay owned by `teacher`: (batch id, essay id)."""
    batch_id, essays = await ready_batch(els, 1, teacher.teacher_id)
    return batch_id, essays[0]["essay_id"]


async def test_every_route_refuses_each_bad_token_with_401_and_health_stays_open(
    worker: WorkerHandle, els: Els, real_tokens: AuthedClient, identity: IdentityUnderTest
) -> None:
    teacher = await identity.teacher("els-owner")
    batch_id, essay_id = await owned_batch(els, teacher)
    refused = await identity.refused_tokens(teacher.teacher_id)

    for path in routes(batch_id, essay_id):
        for case, headers in refused.items():
            response = await real_tokens.get(path, headers=headers)
            body = await response.get_json()
            assert response.status_code == 401, (path, case, body)
            assert body["error"]["code"] in {"missing_token", "invalid_token", "token_expired"}
    owner = await real_tokens.get(f"/v1/essays/{essay_id}", headers=teacher.headers)
    assert owner.status_code == 200  # the same route answers the owner's real token
    for open_path in ("/healthz", "/metrics"):
        assert (await real_tokens.raw.get(open_path)).status_code == 200, open_path


async def test_another_teachers_batch_essay_and_texts_answer_exactly_as_unknown_ids(
    worker: WorkerHandle, els: Els, real_tokens: AuthedClient, identity: IdentityUnderTest
) -> None:
    owner, other = await identity.teacher("els-owner"), await identity.teacher("els-other")
    batch_id, essay_id = await owned_batch(els, owner)
    unknown_batch, unknown_essay = new_id("nobatch"), new_id("noessay")

    for theirs_path, none_path in zip(
        routes(batch_id, essay_id), routes(unknown_batch, unknown_essay), strict=True
    ):
        theirs = await real_tokens.get(theirs_path, headers=other.headers)
        none = await real_tokens.get(none_path, headers=other.headers)
        assert theirs.status_code == none.status_code == 404, theirs_path
        theirs_error = (await theirs.get_json())["error"]
        none_error = (await none.get_json())["error"]
        assert theirs_error["code"] == none_error["code"]
        assert theirs_error["message"] == none_error["message"].replace(
            unknown_batch, batch_id
        ).replace(unknown_essay, essay_id)
    mine = await real_tokens.get(f"/v1/batches/{batch_id}/essays", headers=owner.headers)
    assert mine.status_code == 200


async def test_batch_deleted_forgets_the_batch_and_its_late_result_is_dropped(
    worker: WorkerHandle, els: Els
) -> None:
    batch_id, essays = await ready_batch(els, 2)
    ids = [e["essay_id"] for e in essays]
    assert await els.batch(batch_id) is not None

    await els.publisher.publish(batch_deleted(batch_id), correlation_id="corr-delete")

    async def gone() -> list[int]:
        paths = [f"/v1/batches/{batch_id}/essays"] + [f"/v1/essays/{e}" for e in ids]
        return [(await els.get(path))[0] for path in paths]

    statuses = await poll(gone, lambda found: set(found) == {404}, 30)
    assert set(statuses) == {404}, statuses
    # A spellcheck result in flight during the deletion arrives late: dropped, the batch stays
    # gone, and nothing goes to the dead-letter topic for it.
    late = spellcheck_result(batch_id, ids[0], EssayStatus.SPELLCHECKED_SUCCESS)
    await els.publisher.publish(late, correlation_id="corr-late")
    result_topic = topic_name(ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED)
    updates = await els.records(ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED, batch_id, 1, 3)
    dead: list[Any] = await collect_records(
        els.bootstrap, dlt_topic_name(result_topic), lambda r: r.key == batch_id.encode(), 1, 3
    )
    assert updates == [] and dead == []
    assert set(await gone()) == {404}
