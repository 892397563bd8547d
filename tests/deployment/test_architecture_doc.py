"""docs/architecture.md is the project's contract summary: its tables must say what the code does.

The topic table is checked against `TOPICS` and the payload models' keys, and the service table's
entrypoints against the modules that exist, so the page cannot drift from the code.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from common_core.enums import ProcessingEvent
from common_core.events import EVENT_MODELS, EventData
from common_core.topics import TOPICS

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def table_rows(heading: str) -> list[list[str]]:
    """The body rows of the first table under `## heading`, as stripped cells."""
    section = DOC.read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_topic_table_is_the_topic_map() -> None:
    documented = {row[0]: row[1] for row in table_rows("Topics")}
    assert documented == {event.name: topic for event, topic in TOPICS.items()}


def test_the_topic_table_names_each_events_kafka_key() -> None:
    for event_name, _, _, key in table_rows("Topics"):
        model = EVENT_MODELS[ProcessingEvent[event_name]]
        keyed_by_essay = model.partition_key is not EventData.partition_key
        assert key == ("essay_id" if keyed_by_essay else "batch_id"), event_name


def test_every_entrypoint_in_the_service_table_exists() -> None:
    modules = [re.findall(r"`([\w.]+)`", row[4]) for row in table_rows("Services")]
    assert all(len(found) == 1 for found in modules)
    for (module,) in modules:
        assert importlib.util.find_spec(module) is not None, module
