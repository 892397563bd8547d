"""The gateway's OpenAPI document: the public API as a browser sees it.

The gateway's public routes are not Quart routes of its own (one catch-all forwards them), so
quart-schema cannot generate them. They are written out here, each naming the service that
answers it and that service's operation in its own `/openapi.json`: the request and answer
bodies are that operation's (the gateway relays them unchanged). Each also lists what the
gateway itself may answer instead (401, 404, 413, 502-504, in the JSON error shape), and
`GET /v1/ws` describes the WebSocket. `test_public_spec.py` checks this table against
`domain.PUBLIC_ROUTES`, so the document cannot drift from what is forwarded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart_schema.openapi import OpenAPIProvider

from common_core.openapi import error_response_schemas
from services.api_gateway_service.domain import SEGMENT, Backend

# Of the gateway's own Quart routes only these are documented; the web app's page and static
# files are not an API, and the catch-all is replaced by the routes it forwards.
OWN_PATHS_DOCUMENTED = ("/healthz", "/metrics")
BEARER_SCHEME = "bearerAuth"
WS_PATH = "/v1/ws"


@dataclass(frozen=True)
class PublicOperation:
    """One forwarded operation: method, path template, the backend and a one-line summary."""

    method: str
    path: str
    backend: Backend
    summary: str
    teacher_only: bool = True
    body: bool = False


PUBLIC_OPERATIONS: tuple[PublicOperation, ...] = (
    PublicOperation(
        "POST", "/v1/auth/register", Backend.IDENTITY, "Create a teacher account.", False, True
    ),
    PublicOperation("POST", "/v1/auth/login", Backend.IDENTITY, "An access token.", False, True),
    PublicOperation("GET", "/v1/auth/me", Backend.IDENTITY, "The token's teacher.", False),
    PublicOperation(
        "GET", "/v1/auth/jwks.json", Backend.IDENTITY, "Token verification keys.", False
    ),
    PublicOperation("GET", "/v1/batches", Backend.BOS, "The teacher's batches."),
    PublicOperation("POST", "/v1/batches/register", Backend.BOS, "Register a batch.", body=True),
    PublicOperation("GET", "/v1/batches/{batch_id}", Backend.BOS, "A batch's status."),
    PublicOperation("DELETE", "/v1/batches/{batch_id}", Backend.BOS, "Delete a batch."),
    PublicOperation(
        "POST", "/v1/batches/{batch_id}/pipelines", Backend.BOS, "Run pipelines.", body=True
    ),
    PublicOperation("GET", "/v1/batches/{batch_id}/essays", Backend.ELS, "A batch's essays."),
    PublicOperation("POST", "/v1/files/batch", Backend.FILE, "Upload essays.", body=True),
    PublicOperation("GET", "/v1/essays/{essay_id}", Backend.ELS, "An essay."),
    PublicOperation("GET", "/v1/essays/{essay_id}/text", Backend.ELS, "An essay's text."),
    PublicOperation(
        "GET", "/v1/essays/{essay_id}/corrections", Backend.ELS, "An essay's corrections."
    ),
)

_DESCRIPTION = (
    "The one origin of the teacher web app. Every /v1/ operation is forwarded: the service "
    "that answers it is `x-upstream-service`, and its request and answer bodies are those of "
    "`x-upstream-operation` in that service's own /openapi.json (identity_service :3001, "
    "batch_orchestrator_service :5001, essay_lifecycle_api :6001, file_service :7001; "
    "internal addresses). The errors listed per operation are the gateway's own; every other "
    "answer is the service's, relayed unchanged. GET /v1/ws is the live-update WebSocket "
    "(docs/gateway.md)."
)

_GATEWAY_ERRORS = {
    "401": "No valid bearer token (teacher routes; checked before a body is forwarded).",
    "404": "Not a public route, or an id that is not a plain path segment.",
    "413": "The body is over the route's limit (1 MiB JSON, 52 MiB uploads).",
    "502": "The service gave an answer the gateway cannot relay.",
    "503": "The service is unreachable (Retry-After: 5).",
    "504": "The service did not answer in time.",
}

_WS_DESCRIPTION = (
    "WebSocket (send `Upgrade: websocket`): the teacher's live updates. The token comes as "
    "`?token=` (browsers cannot set headers on a WebSocket). Messages, as JSON text frames: "
    "`connected`, `batch_progress`, `essay_status`, `batch_completed`, `ping` (answer "
    "`pong`), `resync`. Close codes: 1008 bad or expired token, 1013 keys unavailable, 4408 "
    "heartbeat timeout. A plain HTTP GET without the upgrade is not a public route (404)."
)


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": {"type": "string", "pattern": f"^{SEGMENT}$"},
        }
        for name in names
    ]


def _operation(op: PublicOperation) -> dict[str, Any]:
    statuses = ["404", "502", "503", "504"]
    if op.teacher_only:
        statuses.insert(0, "401")
    if op.body:
        statuses.insert(-3, "413")
    operation: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{op.method.lower()}_{op.path.strip('/').replace('/', '_')}",
        "tags": [op.backend.value],
        "parameters": _path_parameters(op.path),
        "responses": {
            "default": {"description": f"{op.backend.value}'s answer, relayed unchanged."},
            **{status: _error(_GATEWAY_ERRORS[status]) for status in statuses},
        },
        "x-upstream-service": op.backend.value,
        "x-upstream-operation": f"{op.method} {op.path}",
    }
    if op.teacher_only:
        operation["security"] = [{BEARER_SCHEME: []}]
    return operation


def _websocket_operation() -> dict[str, Any]:
    return {
        "summary": "Live updates (WebSocket).",
        "description": _WS_DESCRIPTION,
        "operationId": "get_v1_ws",
        "tags": ["api_gateway_service"],
        "parameters": [
            {"in": "query", "name": "token", "required": True, "schema": {"type": "string"}}
        ],
        "responses": {
            "101": {"description": "Switching protocols: the WebSocket is open."},
            "404": _error("A plain HTTP GET (no WebSocket upgrade)."),
        },
        "x-websocket": True,
    }


def public_api(generated: dict[str, Any]) -> dict[str, Any]:
    """The gateway's document: its own documented routes plus every forwarded operation."""
    spec = dict(generated)
    paths: dict[str, dict[str, Any]] = {
        path: item for path, item in generated["paths"].items() if path in OWN_PATHS_DOCUMENTED
    }
    for op in PUBLIC_OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    paths[WS_PATH] = {"get": _websocket_operation()}
    spec["paths"] = paths
    spec["info"] = {**generated["info"], "description": _DESCRIPTION}
    components = dict(generated.get("components", {}))
    components["schemas"] = {**components.get("schemas", {}), **error_response_schemas()}
    components["securitySchemes"] = {BEARER_SCHEME: {"type": "http", "scheme": "bearer"}}
    spec["components"] = components
    return spec


class GatewayOpenAPIProvider(OpenAPIProvider):
    """quart-schema's generator, with the forwarded routes written in (see public_api)."""

    def schema(self) -> dict[str, Any]:
        """The gateway's OpenAPI document."""
        return public_api(super().schema())
