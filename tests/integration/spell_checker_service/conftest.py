"""The Spell Checker's real neighbours: the broker (root conftest), the real Content Service
app under Hypercorn, and the worker's own run_worker (DI container, checker pool, consuming
loop) in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.content import (
    ContentServiceUnderTest,
    content_service_at,
)


@pytest.fixture(scope="module")
async def content_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ContentServiceUnderTest]:
    root = tmp_path_factory.mktemp("spell-content") / "store"
    async with content_service_at(root) as url:
        yield ContentServiceUnderTest(url, root)
