"""Schema-driven fuzzing (schemathesis) of every HTTP service through its own OpenAPI document,
against the running fleet: no 5xx, every error the JSON error shape, every answer matching the
schema the service declares. Bounded: a few examples per operation (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from scripts.fleet.client import FleetClient
from scripts.fleet.running import RunningFleet

pytestmark = pytest.mark.e2e

SERVICES = {
    "batch_orchestrator_service": "http://127.0.0.1:5001",
    "file_service": "http://127.0.0.1:7001",
    "essay_lifecycle_api": "http://127.0.0.1:6001",
    "content_service": "http://127.0.0.1:8001",
}
EXAMPLES_PER_OPERATION = 15


@schemathesis.check
def json_error_shape(ctx: CheckContext, response: Response, case: Any) -> bool | None:
    """Every 4xx/5xx body is {"error": {"code", "message", "details"}}."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return None
    body: Any = response.json()
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict) and error.get("code") and error.get("message"), body
    assert "Traceback" not in response.text
    return True


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_operation_answers_within_its_contract(
    fleet: RunningFleet, client: FleetClient, service: str
) -> None:
    base = SERVICES[service]
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    token = fleet.content_token if service == "content_service" else client.token
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert operations, f"{service} documents no operation"
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def answers_within_contract(case: Any) -> None:
            response = case.call_and_validate(
                base_url=base,
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error, response_schema_conformance, json_error_shape],
            )
            calls.append(response.status_code)

        answers_within_contract()
    assert len(calls) >= len(operations)  # every operation was called, at least once
    print(f"{service}: {len(operations)} operations, {len(calls)} calls")
