"""File Service's neighbours for integration tests: a small real HTTP server answering like BOS's
public batch GET (BOS itself is another service), and the shapes the fixtures hand out."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web


@dataclass
class BosDouble:
    """Answers GET /v1/batches/{id} from `statuses` (and `expected`, the essay count, 100 when
    not set); 404 for ids it does not hold."""

    url: str = ""
    statuses: dict[str, str] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    # The Authorization each lookup came with: File Service asks as the uploading teacher.
    authorizations: list[str | None] = field(default_factory=list)

    async def get_batch(self, request: web.Request) -> web.Response:
        batch_id = request.match_info["batch_id"]
        self.requests.append(batch_id)
        self.authorizations.append(request.headers.get("Authorization"))
        status = self.statuses.get(batch_id)
        if status is None:
            return web.json_response(
                {"error": {"code": "not_found", "message": "no such batch", "details": None}},
                status=404,
            )
        body = {
            "batch_id": batch_id,
            "status": status,
            "expected_essay_count": self.expected.get(batch_id, 100),
            "essay_ids": [],
        }
        return web.json_response(body)


class ContentServiceUnderTest:
    url: str
    root: Path


FileServiceFactory = Callable[..., AbstractAsyncContextManager[str]]
