"""Content Service's own counters (HTTP request metrics come from common_core.web)."""

from __future__ import annotations

from prometheus_client import Counter

BLOBS_DELETED = Counter(
    "huleedu_content_blobs_deleted_total", "Blobs removed because their batch was deleted."
)
STORES_REFUSED_AFTER_DELETION = Counter(
    "huleedu_content_stores_refused_deleted_batch_total",
    "Stores refused (410) because their batch had been deleted.",
)
