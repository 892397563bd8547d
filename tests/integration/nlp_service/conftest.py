"""NLP's real neighbours: the broker (root conftest), the real Content Service app under
Hypercorn, and the worker's own run_worker (DI container, consuming loop) in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.content import content_service_at


@pytest.fixture(scope="module")
async def content_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with content_service_at(tmp_path_factory.mktemp("nlp-content") / "store") as url:
        yield url
