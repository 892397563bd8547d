"""File Service metrics beyond the shared per-route request metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

FILES_PROCESSED = Counter(
    "huleedu_file_service_files_total",
    "Uploaded files by outcome (accepted, duplicate, excess, or the rejection's error code).",
    ["outcome"],
)
EXTRACTION_SECONDS = Histogram(
    "huleedu_file_service_extraction_seconds",
    "Time to extract the text of one file, by file type.",
    ["file_type"],
)
