"""OpenAPI for every HTTP service: quart-schema's `/openapi.json`, and a `/docs` page that
works offline.

quart-schema's own UI pages (Swagger UI, ReDoc, Scalar) load their scripts from a CDN, so on a
machine without internet `/docs` was blank (issue 15, defect 7). They are switched off; `/docs`
is a small self-contained page naming the spec and each operation, with nothing fetched from
elsewhere.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from quart import Quart, Response
from quart_schema import QuartSchema, document_response, hide
from quart_schema.openapi import OpenAPIProvider

T = TypeVar("T", bound=Callable[..., Any])

OPENAPI_PATH = "/openapi.json"
DOCS_PATH = "/docs"


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a sentence for people, and what it met."""

    code: str = Field(description="Stable machine-readable code, e.g. batch_not_found.")
    message: str = Field(description="A sentence for people.")
    details: Any = Field(
        default=None, description="What the request met (fields, limits, ids); may be null."
    )


class ErrorResponse(BaseModel):
    """Every error of every service: `{"error": {"code", "message", "details"}}`."""

    model_config = ConfigDict(title="ErrorResponse")

    error: ErrorDetail


def document_errors(*statuses: int) -> Callable[[T], T]:
    """Decorator: the route answers these statuses with the JSON error shape."""

    def decorate(func: T) -> T:
        for status in statuses:
            func = document_response(ErrorResponse, status)(func)
        return func

    return decorate


def error_response_schemas() -> dict[str, Any]:
    """ErrorResponse and the models it uses as OpenAPI components, for a spec written by hand
    (the gateway's forwarded routes) rather than generated from a route's decorators."""
    schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = schema.pop("$defs", {})
    components["ErrorResponse"] = schema
    return components


def install_openapi(
    app: Quart,
    title: str,
    version: str = "1.0.0",
    *,
    security_schemes: dict[str, Any] | None = None,
    provider: type[OpenAPIProvider] | None = None,
) -> QuartSchema:
    """Serve the app's OpenAPI document at /openapi.json and an offline index at /docs.

    `provider` replaces quart-schema's generator, for a service whose routes are not all
    Quart routes of its own (the gateway adds the routes it forwards).
    """
    schema = QuartSchema(
        app,
        info={"title": title, "version": version},
        openapi_path=OPENAPI_PATH,
        swagger_ui_path=None,
        redoc_ui_path=None,
        scalar_ui_path=None,
        security_schemes=security_schemes,
        openapi_provider_class=provider,
    )

    @app.get(DOCS_PATH)
    @hide
    async def _docs() -> Response:
        """The operations of the spec, listed; links to the spec itself."""
        spec = schema.openapi_provider.schema()
        return Response(_docs_page(title, spec), content_type="text/html; charset=utf-8")

    return schema


def _docs_page(title: str, spec: dict[str, Any]) -> str:
    rows = []
    for path, operations in sorted(spec.get("paths", {}).items()):
        for method, operation in operations.items():
            summary = operation.get("summary") or operation.get("description") or ""
            rows.append(
                f"<tr><td><code>{html.escape(method.upper())}</code></td>"
                f"<td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(summary.splitlines()[0] if summary else '')}</td></tr>"
            )
    name = html.escape(title)
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{name} API</title>"
        f"<h1>{name}</h1><p>OpenAPI document: <a href='{OPENAPI_PATH}'>{OPENAPI_PATH}</a> "
        "(open it in any OpenAPI viewer).</p>"
        f"<table><tr><th>method</th><th>path</th><th>summary</th></tr>{''.join(rows)}</table>"
        "</html>"
    )
