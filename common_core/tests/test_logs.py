"""Log lines of a configured process: our own and library lines alike are JSON on stdout with
the service, level, logger name, timestamp and the bound correlation_id."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROGRAM = """
import logging, structlog
from common_core.logs import configure_logging, get_logger
logger = get_logger("services.demo.handlers")  # made at import, before configuring, as modules do
configure_logging("demo_service", "INFO", "json")
with structlog.contextvars.bound_contextvars(correlation_id="corr-7"):
    logger.debug("hidden_at_info")
    logger.info("content_stored", size=12)
    logger.bind(batch_id="b-1").warning("bound_field")
    logging.getLogger("aiokafka.consumer").warning("library %s", "line")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("handler_failed")
logger.info("after_the_message")
"""


def run_program() -> list[dict[str, object]]:
    result = subprocess.run(
        [sys.executable, "-c", _PROGRAM], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_own_and_library_lines_share_fields_and_correlation_id() -> None:
    lines = run_program()
    by_event = {line["event"]: line for line in lines}
    assert list(by_event) == [
        "content_stored",
        "bound_field",
        "library line",
        "handler_failed",
        "after_the_message",
    ]  # the debug line is filtered at INFO
    for event in ["content_stored", "bound_field", "library line", "handler_failed"]:
        line = by_event[event]
        assert line["correlation_id"] == "corr-7"
        assert line["service"] == "demo_service"
        assert str(line["timestamp"]).endswith("Z")
    assert by_event["content_stored"]["logger"] == "services.demo.handlers"
    assert by_event["content_stored"]["level"] == "info"
    assert by_event["content_stored"]["size"] == 12
    assert by_event["bound_field"]["batch_id"] == "b-1"
    assert by_event["library line"]["logger"] == "aiokafka.consumer"
    assert by_event["library line"]["level"] == "warning"
    assert "ZeroDivisionError" in str(by_event["handler_failed"]["exception"])
    assert "correlation_id" not in by_event["after_the_message"]
