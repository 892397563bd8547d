"""The collaborators the per-message handler needs, as Protocols (real or fake)."""

from __future__ import annotations

from typing import Protocol

from common_core.enums import Language
from common_core.events import SpellcheckResultDataV1
from services.spell_checker_service.engine import CheckResult


class TextNotFoundError(Exception):
    """Content Service has no text under the requested id: the request can never succeed."""


class ContentUnavailable(Exception):
    """Content Service answered with an error or could not be reached: worth retrying."""


class FetchText(Protocol):
    async def __call__(self, storage_id: str) -> str: ...


class StoreContent(Protocol):
    async def __call__(self, body: bytes, content_type: str) -> str: ...


class CheckText(Protocol):
    async def __call__(self, text: str, language: Language) -> CheckResult: ...


class PublishResult(Protocol):
    async def __call__(self, result: SpellcheckResultDataV1, correlation_id: str) -> None: ...
