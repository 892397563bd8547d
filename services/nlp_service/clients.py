"""What NLP reads from and writes to Content Service: the corrected text in, the metrics out.

The HTTP client and its error kinds are common_core's (the same for every worker); this file
adds only what NLP stores and how.
"""

from __future__ import annotations

from common_core.content_client import ContentClient
from common_core.nlp import NlpMetrics

METRICS_CONTENT_TYPE = "application/json"


class NlpContent:
    """Fetches essay texts and stores metrics documents through one ContentClient."""

    def __init__(self, content: ContentClient) -> None:
        self._content = content

    async def fetch_text(self, storage_id: str) -> str:
        """The text to analyse (raises UnusableTextError or ContentUnavailable)."""
        return await self._content.fetch_text(storage_id)

    async def store_metrics(self, metrics: NlpMetrics, batch_id: str) -> str:
        """Store the metrics as a JSON object (ContentType.NLP_METRICS) of the essay's batch, so
        deleting the batch deletes them; returns its id."""
        return await self._content.store(
            metrics.model_dump_json().encode(), METRICS_CONTENT_TYPE, batch_id
        )
