"""The gateway's pure decisions: routes, headers, and which live message goes to whom."""

from __future__ import annotations

import json

import pytest

from services.api_gateway_service.domain import (
    Backend,
    MethodNotAllowedError,
    RouteNotFoundError,
    backend_request_headers,
    forwarded_for,
    live_message,
    relayed_response_headers,
    resolve_route,
)
from tests.support.events import completed, essay_state, progress, registered


@pytest.mark.parametrize(
    ("method", "path", "backend", "teacher_only", "upload"),
    [
        ("POST", "/v1/auth/login", Backend.IDENTITY, False, False),
        ("GET", "/v1/auth/jwks.json", Backend.IDENTITY, False, False),
        ("GET", "/v1/auth/me", Backend.IDENTITY, False, False),
        ("GET", "/v1/batches", Backend.BOS, True, False),
        ("POST", "/v1/batches/register", Backend.BOS, True, False),
        ("GET", "/v1/batches/b-1", Backend.BOS, True, False),
        ("HEAD", "/v1/batches/b-1", Backend.BOS, True, False),
        ("DELETE", "/v1/batches/b-1", Backend.BOS, True, False),
        ("POST", "/v1/batches/b-1/pipelines", Backend.BOS, True, False),
        ("GET", "/v1/batches/b-1/essays", Backend.ELS, True, False),
        ("POST", "/v1/files/batch", Backend.FILE, True, True),
        ("GET", "/v1/essays/e-1", Backend.ELS, True, False),
        ("GET", "/v1/essays/e-1/text", Backend.ELS, True, False),
        ("GET", "/v1/essays/e-1/corrections", Backend.ELS, True, False),
    ],
)
def test_each_public_route_has_one_backend(
    method: str, path: str, backend: Backend, teacher_only: bool, upload: bool
) -> None:
    route = resolve_route(method, path)
    assert (route.backend, route.teacher_only, route.upload) == (backend, teacher_only, upload)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/content/abc",  # internal service
        "/v1/batches/../content/x",
        "/v1/batches/a/b/c",
        "/v1/essays/.hidden",
        "/v1/auth",
        "/v1/batches/" + "x" * 200,
        "/metrics",
    ],
)
def test_anything_else_is_not_a_public_route(path: str) -> None:
    with pytest.raises(RouteNotFoundError):
        resolve_route("GET", path)


def test_a_known_path_with_another_method_names_the_allowed_ones() -> None:
    with pytest.raises(MethodNotAllowedError) as refused:
        resolve_route("PUT", "/v1/batches/b-1")
    assert refused.value.allowed == ["DELETE", "GET"]


def test_forwarded_for_believes_only_trusted_proxies() -> None:
    assert forwarded_for("10.0.0.5", "6.6.6.6", []) == "10.0.0.5"
    assert forwarded_for("10.0.0.5", "6.6.6.6", ["10.0.0.0/8"]) == "6.6.6.6, 10.0.0.5"
    assert forwarded_for("10.0.0.5", None, ["10.0.0.0/8"]) == "10.0.0.5"
    assert forwarded_for(None, None, []) == "unknown"


def test_backend_headers_are_the_allowed_ones_plus_correlation_and_forwarded_for() -> None:
    incoming = [
        ("authorization", "Bearer t"),
        ("Content-Type", "multipart/form-data; boundary=x"),
        ("Content-Length", "12"),
        ("Idempotency-Key", "k-1"),
        ("Cookie", "a=b"),
        ("Connection", "keep-alive"),
        ("X-Correlation-ID", "from-client"),
        ("X-Forwarded-For", "6.6.6.6"),
    ]
    headers = backend_request_headers(
        incoming, correlation_id="corr-1", peer="127.0.0.1", trusted_proxies=[]
    )
    assert headers == {
        "Authorization": "Bearer t",
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": "12",
        "Idempotency-Key": "k-1",
        "X-Correlation-ID": "corr-1",
        "X-Forwarded-For": "127.0.0.1",
    }


def test_answer_headers_keep_what_a_browser_needs() -> None:
    relayed = relayed_response_headers(
        [("content-type", "application/json"), ("Retry-After", "3"), ("Server", "x"),
         ("Content-Length", "10"), ("WWW-Authenticate", "Bearer")]
    )  # fmt: skip
    assert relayed == {
        "Content-Type": "application/json",
        "Retry-After": "3",
        "WWW-Authenticate": "Bearer",
    }


def test_events_become_the_design_messages_for_their_teacher() -> None:
    progress_message = live_message(progress("b-1", "t-1"))
    assert progress_message is not None and progress_message.teacher_id == "t-1"
    body = json.loads(progress_message.text)
    assert body["type"] == "batch_progress" and body["status"] == "processing"
    assert body["pipeline_state"]["spellcheck"]["essay_counts"]["pending"] == 1
    assert set(body) == {"type", "batch_id", "status", "pipeline_state"}

    essay = live_message(essay_state("b-1", "e-1", "t-1"))
    assert essay is not None and json.loads(essay.text) == {
        "type": "essay_status", "batch_id": "b-1", "essay_id": "e-1",
        "status": "spellchecked_success", "phase": "spellcheck",
    }  # fmt: skip
    done = live_message(completed("b-1", "t-1"))
    assert done is not None and json.loads(done.text) == {
        "type": "batch_completed",
        "batch_id": "b-1",
        "status": "completed",
    }


def test_an_event_without_a_teacher_or_of_another_kind_goes_to_nobody() -> None:
    assert live_message(progress("b-1", None)) is None
    assert live_message(registered("b-1")) is None
