"""Structured logging for every process: structlog's own loggers, stdlib logging beside them.

Handlers bind `correlation_id` with `structlog.contextvars`, so every line logged while a message
or request is handled carries it, including lines from libraries that use `logging`.

Our own lines go through structlog's native pipeline straight to stdout: a filtering logger
drops a disabled level at the call (measured ~1.5 µs, where the stdlib path ran the whole
processor chain, ~18 µs), and an enabled line skips the stdlib LogRecord and handler round
trip (info 112 -> 42 µs console, 75 -> 24 µs JSON). Library lines (aiokafka, Hypercorn,
SQLAlchemy) keep going through `logging`, rendered by the same renderer with the same fields,
to the same stdout.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.typing import FilteringBoundLogger

_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class _NamedWriteLogger(structlog.WriteLogger):
    """structlog's line writer to stdout, carrying the module name `add_logger_name` reads."""

    def __init__(self, name: str) -> None:
        super().__init__(sys.stdout)
        self.name = name


def _named_write_logger(*args: Any) -> _NamedWriteLogger:
    return _NamedWriteLogger(args[0] if args else "")


def configure_logging(service_name: str, level: str = "INFO", fmt: str = "json") -> None:
    """Route structlog and stdlib logging to stdout as JSON (or console) lines."""
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer()
    )
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[
            *_SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        logger_factory=_named_write_logger,
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    # aiokafka is chatty at INFO about every group join; keep its warnings only.
    logging.getLogger("aiokafka").setLevel(max(root.level, logging.WARNING))
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service_name)


def get_logger(name: str) -> FilteringBoundLogger:
    """A structlog logger; use keyword arguments for fields, never f-strings."""
    logger: FilteringBoundLogger = structlog.get_logger(name)
    return logger
