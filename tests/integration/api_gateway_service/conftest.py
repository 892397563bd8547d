"""The gateway's real neighbours for integration tests: the real identity service (tokens and
JWKS), the backend double from tests/support/gateway.py, the real broker, and the gateway
itself under Hypercorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from common_core.processes import free_port
from services.api_gateway_service.app import create_app
from tests.support.gateway import (
    BackendDouble,
    GatewayFactory,
    Teacher,
    gateway_settings,
    serving_backend,
)
from tests.support.http import serving
from tests.support.identity import identity_settings, login, register, serving_identity


@pytest.fixture(scope="module")
async def backend() -> AsyncIterator[BackendDouble]:
    async with serving_backend(BackendDouble()) as double:
        yield double


@pytest.fixture(scope="module")
async def identity_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    database = tmp_path_factory.mktemp("identity") / "identity.sqlite3"
    async with serving_identity(identity_settings(database)) as url:
        yield url


@pytest.fixture(scope="module")
async def teachers(identity_url: str) -> tuple[Teacher, Teacher]:
    """Two teachers with valid tokens from the real identity service."""
    made = []
    async with aiohttp.ClientSession() as http:
        for name in ("anna", "bertil"):
            email = f"{name}-{free_port()}@school.test"
            account = await register(http, identity_url, email)
            made.append(Teacher(account["teacher_id"], await login(http, identity_url, email)))
    return made[0], made[1]


@pytest.fixture(scope="module")
def start_gateway(
    kafka_bootstrap: str, identity_url: str, backend: BackendDouble
) -> GatewayFactory:
    """Serve a gateway for a block: `async with start_gateway(**overrides) as url`."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[str]:
        settings = gateway_settings(kafka_bootstrap, identity_url, backend.url, **overrides)
        async with serving(create_app(settings)) as url:
            yield url

    return start


@pytest.fixture(scope="module")
async def gateway(start_gateway: GatewayFactory) -> AsyncIterator[str]:
    async with start_gateway() as url:
        yield url
