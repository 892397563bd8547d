"""The public REST routes through a real gateway: what reaches the backend, what comes back,
and the gateway's own answers when it refuses a call or a backend is away."""

from __future__ import annotations

from common_core.processes import free_port
from tests.support.gateway import (
    BackendDouble,
    GatewayFactory,
    Teacher,
    bearer,
    call,
    upload_form,
)


async def test_teacher_call_reaches_bos_with_token_correlation_and_forwarded_for(
    gateway: str, backend: BackendDouble, teachers: tuple[Teacher, Teacher]
) -> None:
    anna, _ = teachers
    headers = {
        **bearer(anna),
        "X-Correlation-ID": "corr-gw-1",
        "X-Forwarded-For": "6.6.6.6",  # a browser's own claim is not believed
        "Cookie": "session=secret",
    }
    status, body, answer_headers = await call(
        "GET", f"{gateway}/v1/batches/b-42?x=1&y=%C3%A5", headers=headers
    )

    assert status == 200 and body == {"batch_id": "b-42", "status": "processing"}
    seen = backend.seen[-1]
    assert (seen.method, seen.path, seen.query) == ("GET", "/v1/batches/b-42", "x=1&y=%C3%A5")
    assert seen.headers["Authorization"] == f"Bearer {anna.token}"
    assert seen.headers["X-Correlation-ID"] == "corr-gw-1"
    assert seen.headers["X-Forwarded-For"] == "127.0.0.1"
    assert "Cookie" not in seen.headers
    assert answer_headers["X-Correlation-ID"] == "corr-gw-1"


async def test_status_codes_and_json_error_bodies_come_back_unchanged(
    gateway: str, teachers: tuple[Teacher, Teacher]
) -> None:
    anna, _ = teachers
    status, body, _ = await call("GET", f"{gateway}/v1/batches/missing", headers=bearer(anna))
    assert status == 404 and body["error"]["code"] == "not_found"

    status, body, _ = await call(
        "POST", f"{gateway}/v1/batches/register", headers=bearer(anna), json={"course_code": "X"}
    )
    assert status == 422 and body["error"]["details"][0]["field"] == "course_code"

    status, body, _ = await call("DELETE", f"{gateway}/v1/batches/b-7", headers=bearer(anna))
    assert status == 202 and body == {"batch_id": "b-7"}

    status, text, headers = await call(
        "GET", f"{gateway}/v1/essays/e-1/text?version=corrected", headers=bearer(anna)
    )
    assert status == 200 and text == "Hej världen"
    assert headers["Content-Type"].startswith("text/plain")


async def test_identity_routes_are_forwarded_without_a_gateway_token_check(
    gateway: str, identity_url: str
) -> None:
    email = f"carl-{free_port()}@school.test"
    account = {"email": email, "password": "correct horse", "name": "Carl"}
    status, body, _ = await call("POST", f"{gateway}/v1/auth/register", json=account)
    assert status == 201 and body["email"] == email
    status, body, _ = await call(
        "POST", f"{gateway}/v1/auth/login", json={"email": email, "password": "wrong password"}
    )
    assert status == 401 and body["error"]["code"] == "invalid_credentials"
    status, body, _ = await call(
        "POST", f"{gateway}/v1/auth/login", json={"email": email, "password": "correct horse"}
    )
    assert status == 200 and body["token_type"] == "bearer"
    status, me, _ = await call(
        "GET", f"{gateway}/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert status == 200 and me["email"] == email


async def test_anonymous_and_forged_calls_are_refused_before_the_backend(
    gateway: str, backend: BackendDouble
) -> None:
    before = len(backend.seen)
    status, body, headers = await call("GET", f"{gateway}/v1/batches/b-1")
    assert status == 401 and body["error"]["code"] == "missing_token"
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, body, _ = await call(
        "POST",
        f"{gateway}/v1/files/batch",
        headers={"Authorization": "Bearer not.a.token"},
        data=upload_form("b-1", b"x" * 100_000),
    )
    assert status == 401 and body["error"]["code"] == "invalid_token"
    assert len(backend.seen) == before


async def test_routes_that_are_not_public_answer_404_and_405(
    gateway: str, teachers: tuple[Teacher, Teacher]
) -> None:
    anna, _ = teachers
    for path in ("/v1/content/abc", "/v1/batches/../content", "/v1/nothing"):
        status, body, _ = await call("GET", f"{gateway}{path}", headers=bearer(anna))
        assert status == 404 and body["error"]["code"] == "not_found", path
    status, body, headers = await call("PUT", f"{gateway}/v1/batches/b-1", headers=bearer(anna))
    assert status == 405 and body["error"]["code"] == "method_not_allowed"
    assert headers["Allow"] == "DELETE, GET"


async def test_a_json_body_over_the_limit_is_refused_with_413(
    gateway: str, backend: BackendDouble, teachers: tuple[Teacher, Teacher]
) -> None:
    anna, _ = teachers
    before = len(backend.seen)
    status, body, _ = await call(
        "POST",
        f"{gateway}/v1/batches/register",
        headers={**bearer(anna), "Content-Type": "application/json"},
        data=b'{"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}',
    )
    assert status == 413 and body["error"]["details"] == {"max_bytes": 1024 * 1024}
    assert len(backend.seen) == before


async def test_a_backend_that_is_down_or_slow_gets_a_json_503_or_504(
    start_gateway: GatewayFactory, teachers: tuple[Teacher, Teacher]
) -> None:
    anna, _ = teachers
    nobody = f"http://127.0.0.1:{free_port()}"
    async with start_gateway(bos_url=nobody) as url:
        status, body, headers = await call("GET", f"{url}/v1/batches/b-1", headers=bearer(anna))
        assert status == 503 and body["error"]["code"] == "service_unavailable"
        assert "batch_orchestrator_service" in body["error"]["message"]
        assert headers["Retry-After"] == "5"
        status, body, _ = await call("GET", f"{url}/healthz")
        assert status == 503 and body["error"]["details"]["batch_orchestrator_service"] is False
        status, body, _ = await call("GET", f"{url}/v1/batches/slow", headers=bearer(anna))
        assert status == 503  # still BOS: down
    async with start_gateway() as url:
        status, body, _ = await call("GET", f"{url}/v1/batches/slow", headers=bearer(anna))
        assert status == 504 and body["error"]["code"] == "gateway_timeout"
        status, body, _ = await call("GET", f"{url}/healthz")
        assert status == 200 and all(body["checks"].values())
