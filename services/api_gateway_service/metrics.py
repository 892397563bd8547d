"""api_gateway_service's Prometheus metrics (labels carry no teacher id, name or text)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPSTREAM_REQUESTS = Counter(
    "huleedu_gateway_upstream_requests_total",
    "Calls forwarded to a backend, by backend and answer (an HTTP status, or unavailable, "
    "timeout, bad_gateway when the gateway answered itself).",
    ["backend", "outcome"],
)
UPSTREAM_SECONDS = Histogram(
    "huleedu_gateway_upstream_seconds",
    "Time from forwarding a call to having the backend's whole answer.",
    ["backend"],
)
WS_CONNECTIONS = Gauge("huleedu_gateway_ws_connections", "Open WebSocket connections.")
WS_MESSAGES = Counter(
    "huleedu_gateway_ws_messages_total",
    "Live messages by type and what became of them per connection: queued, resync (the "
    "outbox overflowed), no_connection (the teacher had none open), unrouted (no teacher_id).",
    ["type", "outcome"],
)
WS_CLOSED = Counter(
    "huleedu_gateway_ws_closed_total",
    "WebSocket connections closed by the gateway, by reason (invalid_token, token_expired, "
    "heartbeat_timeout, auth_unavailable).",
    ["reason"],
)
