"""Spell Checker metrics (queue latency comes from the shared consuming loop)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

PROCESSING_SECONDS = Histogram(
    "huleedu_spellcheck_processing_seconds",
    "Time to fetch, correct, store and publish one essay.",
    ["language"],
)
CORRECTIONS = Counter(
    "huleedu_spellcheck_corrections_total", "Words corrected, by language.", ["language"]
)
RESULTS = Counter(
    "huleedu_spellcheck_results_total", "Results published, by language and status.",
    ["language", "status"],
)  # fmt: skip
