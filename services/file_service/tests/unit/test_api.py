"""The upload route's parsing, limits and status codes, through Quart's test client + fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from dishka import Provider, Scope, make_async_container, provide
from quart.typing import TestClientProtocol as Client
from quart_dishka import QuartProvider

from common_core.events import EssayValidationFailed
from common_core.web import CORRELATION_HEADER
from services.file_service.api.files import file_label
from services.file_service.app import create_app
from services.file_service.config import FileServiceSettings
from services.file_service.extraction import extract_text
from services.file_service.handlers import UploadCollaborators
from services.file_service.protocols import EventPublisher, TextStorage
from services.file_service.tests.unit.conftest import Records
from services.file_service.tests.unit.fakes import (
    BATCH,
    FakeBatches,
    FakePublisher,
    FakeStorage,
)
from tests.support.auth import AuthedClient, LocalIssuer
from tests.support.documents import encode_multipart

SETTINGS = FileServiceSettings(
    max_file_bytes=100, max_request_bytes=250, max_files_per_request=3, consume_deletions=False
)


@dataclass
class Fakes:
    batches: FakeBatches
    storage: FakeStorage
    publisher: FakePublisher
    records: Records


class FakeProvider(Provider):
    def __init__(self, fakes: Fakes) -> None:
        super().__init__(scope=Scope.APP)
        self.fakes = fakes

    @provide
    def settings(self) -> FileServiceSettings:
        return SETTINGS

    @provide
    def publisher(self) -> EventPublisher:
        return self.fakes.publisher

    @provide
    def storage(self) -> TextStorage:
        return self.fakes.storage

    @provide
    def collaborators(self) -> UploadCollaborators:
        return UploadCollaborators(
            self.fakes.batches,
            self.fakes.storage,
            self.fakes.publisher,
            self.fakes.records.requests,
            self.fakes.records.files,
        )


@pytest.fixture
def fakes(records: Records) -> Fakes:
    return Fakes(FakeBatches(), FakeStorage(), FakePublisher(), records)


ISSUER = LocalIssuer()


@pytest.fixture
async def anonymous(fakes: Fakes) -> AsyncIterator[Client]:
    container = make_async_container(FakeProvider(fakes), QuartProvider())
    app = create_app(SETTINGS, container, verifier=ISSUER.verifier())
    async with app.test_app() as test_app:
        yield test_app.test_client()


@pytest.fixture
def client(anonymous: Client) -> AuthedClient:
    """Uploads as teacher-1, with a valid token."""
    return AuthedClient(anonymous, ISSUER.headers("teacher-1"))


async def post_upload(
    client: Client | AuthedClient,
    files: list[tuple[str, bytes]],
    batch_id: str | None = BATCH,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    fields = {"batch_id": batch_id} if batch_id is not None else {}
    body, content_type = encode_multipart(fields, files)
    response = await client.post(
        "/v1/files/batch", data=body, headers={"Content-Type": content_type, **(headers or {})}
    )
    return response.status_code, await response.get_json()


async def test_accepted_upload_is_202_with_the_request_correlation_id(
    client: AuthedClient, fakes: Fakes
) -> None:
    status, body = await post_upload(
        client,
        [("a.txt", b"Hello"), ("b.txt", b"")],
        headers={CORRELATION_HEADER: "corr-from-client"},
    )

    assert status == 202
    assert body["batch_id"] == BATCH
    assert body["correlation_id"] == "corr-from-client"
    assert [a["file_name"] for a in body["accepted"]] == ["a.txt"]
    assert body["rejected"][0]["error_code"] == "empty_content"
    assert {cid for _, cid in fakes.publisher.published} == {"corr-from-client"}


async def test_path_in_filename_is_only_a_label(client: AuthedClient, fakes: Fakes) -> None:
    status, body = await post_upload(client, [("../../etc/passwd.txt", b"Hello")])
    assert status == 202
    assert body["accepted"][0]["file_name"] == "passwd.txt"


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("C:\\Users\\anna\\essay.docx", "essay.docx"),
        ("dir/sub/essay.pdf", "essay.pdf"),
        ("bad\x00na\nme.txt", "badname.txt"),
        ("", "unnamed"),
        (None, "unnamed"),
        ("../", "unnamed"),
        ("x" * 300 + ".docx", "x" * 250 + ".docx"),
        ("y" * 300, "y" * 255),
        ("z" * 290 + ".not-an-extension-at-all", ("z" * 290 + ".not-an-ext")[:255]),
    ],
)
def test_file_label(raw: str | None, label: str) -> None:
    assert file_label(raw) == label


async def test_missing_batch_id_is_400(client: AuthedClient) -> None:
    status, body = await post_upload(client, [("a.txt", b"x")], batch_id=None)
    assert status == 400
    assert body["error"]["code"] == "missing_batch_id"


@pytest.mark.parametrize("batch_id", ["../admin", "a b", "x" * 200, ".."])
async def test_malformed_batch_id_is_400(client: AuthedClient, batch_id: str) -> None:
    status, body = await post_upload(client, [("a.txt", b"x")], batch_id=batch_id)
    assert status == 400
    assert body["error"]["code"] == "invalid_batch_id"


async def test_no_files_is_400(client: AuthedClient) -> None:
    status, body = await post_upload(client, [])
    assert status == 400
    assert body["error"]["code"] == "no_files"


async def test_files_under_another_field_do_not_count(client: AuthedClient) -> None:
    body, content_type = encode_multipart({"batch_id": BATCH}, [("a.txt", b"x")], "file")
    response = await client.post(
        "/v1/files/batch", data=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 400


async def test_json_body_is_415(client: AuthedClient) -> None:
    response = await client.post("/v1/files/batch", json={"batch_id": BATCH})
    assert response.status_code == 415
    assert (await response.get_json())["error"]["code"] == "unsupported_media_type"


async def test_malformed_multipart_is_400_not_500(client: AuthedClient) -> None:
    response = await client.post(
        "/v1/files/batch",
        data=b"--nope\r\ngarbage",
        headers={"Content-Type": "multipart/form-data; boundary=other"},
    )
    assert response.status_code == 400


async def test_file_over_limit_is_413_naming_it_and_nothing_published(
    client: AuthedClient, fakes: Fakes
) -> None:
    status, body = await post_upload(client, [("ok.txt", b"x"), ("big.txt", b"y" * 101)])
    assert status == 413
    assert body["error"]["code"] == "file_too_large"
    assert body["error"]["details"]["file_name"] == "big.txt"
    assert "big.txt" in body["error"]["message"]
    assert fakes.publisher.published == []


async def test_request_over_limit_is_413(client: AuthedClient) -> None:
    status, body = await post_upload(client, [(f"{i}.txt", b"z" * 90) for i in range(3)])
    assert status == 413
    assert body["error"]["code"] == "payload_too_large"


async def test_too_many_files_is_413(client: AuthedClient) -> None:
    status, body = await post_upload(client, [(f"{i}.txt", b"z") for i in range(4)])
    assert status == 413
    assert body["error"]["code"] == "too_many_files"


@pytest.mark.parametrize(
    ("statuses", "expected", "code"),
    [
        ({}, 404, "batch_not_found"),
        ({BATCH: "completed"}, 409, "batch_not_awaiting_content"),
    ],
)
async def test_batch_state_errors(
    client: AuthedClient, fakes: Fakes, statuses: dict[str, str], expected: int, code: str
) -> None:
    fakes.batches.statuses = statuses
    status, body = await post_upload(client, [("a.txt", b"x")])
    assert status == expected
    assert body["error"]["code"] == code


async def test_dependency_outages_are_503_json(client: AuthedClient, fakes: Fakes) -> None:
    fakes.batches.down = True
    bos_status, bos_body = await post_upload(client, [("a.txt", b"x")])
    fakes.batches.down = False
    fakes.storage.fail_on_call = 1
    cs_status, cs_body = await post_upload(client, [("a.txt", b"x"), ("b.txt", b"")])

    assert (bos_status, bos_body["error"]["code"]) == (503, "bos_unavailable")
    assert (cs_status, cs_body["error"]["code"]) == (503, "content_service_unavailable")
    assert not any(isinstance(e, EssayValidationFailed) for e, _ in fakes.publisher.published)


async def test_healthz_reports_each_dependency(client: AuthedClient, fakes: Fakes) -> None:
    healthy = await client.get("/healthz")

    async def unhealthy() -> bool:
        return False

    fakes.storage.is_healthy = unhealthy  # type: ignore[method-assign]
    broken = await client.get("/healthz")

    assert healthy.status_code == 200
    assert broken.status_code == 503
    assert (await broken.get_json())["error"]["details"] == {
        "kafka": True,
        "content_service": False,
    }


async def test_idempotency_key_replays_the_first_answer(client: AuthedClient, fakes: Fakes) -> None:
    headers = {"Idempotency-Key": "upload-1 chunk-2"}
    first = await post_upload(client, [("a.txt", b"Hello")], headers=headers)
    fakes.batches.statuses[BATCH] = "completed"

    again = await post_upload(client, [("a.txt", b"Hello")], headers=headers)

    assert again == first
    assert first[0] == 202
    assert len(fakes.publisher.published) == 1


@pytest.mark.parametrize("key", ["", "x" * 129, "caf\u00e9", "tab\there"])
async def test_malformed_idempotency_key_is_400(
    client: AuthedClient, fakes: Fakes, key: str
) -> None:
    status, body = await post_upload(client, [("a.txt", b"x")], headers={"Idempotency-Key": key})
    assert status == 400
    assert body["error"]["code"] == "invalid_idempotency_key"
    assert fakes.publisher.published == []


async def test_windows_path_in_filename_keeps_its_base_name(
    client: AuthedClient, fakes: Fakes
) -> None:
    """Issue 15, defect 5: the multipart parser read the backslashes as escapes."""
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="batch_id"\r\n\r\n{BATCH}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        'filename="C:\\Users\\t\\essay.txt"\r\n\r\nMy essay\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        'filename="say \\"hi\\".txt"\r\n\r\nHi\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    response = await client.post(
        "/v1/files/batch",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 202
    names = [a["file_name"] for a in (await response.get_json())["accepted"]]
    assert names == ["essay.txt", 'say "hi".txt']


def test_a_long_file_name_keeps_its_type() -> None:
    """Issue 15, defect 5: a name over 255 characters was cut before `.txt` and refused."""
    label = file_label("a" * 1000 + ".txt")
    assert label == "a" * 251 + ".txt"
    assert extract_text(label, b"Hello") == "Hello"


async def test_openapi_documents_the_upload_and_its_errors(anonymous: Client) -> None:
    spec = await (await anonymous.get("/openapi.json")).get_json()  # open, like /healthz

    upload = spec["paths"]["/v1/files/batch"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"202", "400", "404", "409", "413", "415", "503"} <= set(upload["responses"])
    answer = upload["responses"]["202"]["content"]["application/json"]["schema"]
    assert set(answer["properties"]) == {"batch_id", "correlation_id", "accepted", "rejected"}
    error = upload["responses"]["409"]["content"]["application/json"]["schema"]
    assert set(error["properties"]) == {"error"}
    docs = await anonymous.get("/docs")
    assert "/v1/files/batch" in await docs.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dGVhY2hlcg=="}],
    ids=["missing", "malformed", "not-bearer"],
)
async def test_an_upload_without_a_valid_token_is_401_and_touches_nothing(
    anonymous: Client, fakes: Fakes, headers: dict[str, str]
) -> None:
    status, body = await post_upload(anonymous, [("a.txt", b"Hello")], headers=headers)

    assert status == 401
    assert body["error"]["code"] in {"missing_token", "invalid_token"}
    assert fakes.batches.tokens == [] and fakes.storage.calls == 0
    assert fakes.publisher.published == []


async def test_the_handler_gets_the_teacher_and_bos_their_token(
    client: AuthedClient, fakes: Fakes
) -> None:
    status, _ = await post_upload(client, [("a.txt", b"Hello")])
    assert status == 202
    assert fakes.batches.tokens == [client.headers["Authorization"].removeprefix("Bearer ")]


async def test_health_and_metrics_need_no_token(anonymous: Client) -> None:
    assert (await anonymous.get("/healthz")).status_code == 200
    assert (await anonymous.get("/metrics")).status_code == 200
