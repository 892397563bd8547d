"""The seams of the per-message handler: its collaborators as Protocols, and the errors that
decide between "retry the message" and "publish a failed result".

Content Service's errors are common_core.content_client's (ContentUnavailable is retried,
UnusableTextError and StoreRejectedError become a failed result), as for every worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from common_core.enums import Language
from common_core.events import SpellcheckResultDataV1
from services.spell_checker_service.corrector import CheckResult


class TransientError(Exception):
    """Worth retrying the whole message: the consuming loop backs off and calls again."""


class CheckerUnavailable(TransientError):
    """The checker processes died (killed, out of memory); a fresh pool will take the retry."""


class FetchText(Protocol):
    """Returns the text stored under an id (raises UnusableTextError or ContentUnavailable)."""

    async def __call__(self, storage_id: str) -> str: ...


class StoreTexts(Protocol):
    """Stores (text, content type) blobs of a batch in one call, all or none; returns their new
    storage ids in order."""

    async def __call__(self, texts: Sequence[tuple[str, str]], batch_id: str) -> list[str]: ...


class CheckText(Protocol):
    """Corrects a text in a language."""

    async def __call__(self, text: str, language: Language) -> CheckResult: ...


class PublishResult(Protocol):
    """Publishes a result event under the request's correlation id, acknowledged by Kafka."""

    async def __call__(self, result: SpellcheckResultDataV1, correlation_id: str) -> None: ...
