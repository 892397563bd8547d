"""Deeply nested JSON is a malformed request (400) or a failed validation (422), never a 500:
Python's parser recurses once per level and used to raise RecursionError (issue 15, defect 3)."""

from __future__ import annotations

import pytest

from tests.support.bos import RunningBos, registration

pytestmark = pytest.mark.kafka

REGISTER = "/v1/batches/register"
JSON = {"Content-Type": "application/json"}


def nested_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_field(depth: int) -> str:
    body = registration()
    body.pop("essay_instructions")
    head = '{"essay_instructions": ' + '{"a": ' * depth + "1" + "}" * depth
    rest = ", ".join(f'"{k}": {v!r}'.replace("'", '"') for k, v in body.items())
    return head + ", " + rest + "}"


@pytest.mark.parametrize(
    "body",
    [nested_list(1000), nested_list(5000), nested_field(5000)]
    + [nested_field(depth) for depth in range(880, 1010, 10)],
    ids=lambda body: f"depth-{body.count('[') + body.count('{')}",
)
async def test_deep_nesting_is_a_client_error(bos: RunningBos, body: str) -> None:
    response = await bos.client.post(REGISTER, data=body.encode(), headers=JSON)
    answer = await response.get_json()
    assert response.status_code in (400, 422), answer
    assert set(answer["error"]) == {"code", "message", "details"}
