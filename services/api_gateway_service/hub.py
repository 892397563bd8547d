"""Who is connected: each teacher's open WebSocket connections, each with a bounded outbox.

The slow-client policy lives here. A connection holds at most `capacity` messages not yet
written to its socket. When an update arrives for a full connection, the waiting messages are
thrown away and replaced by one `resync` message: the client then re-reads the current state
over REST, exactly as after a reconnect, and the gateway never holds more than `capacity`
messages (plus one heartbeat) per connection, however slow the client is. A client that stops
reading altogether also stops answering heartbeats and is closed by them (api/live.py).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque

from services.api_gateway_service.domain import PING, RESYNC, LiveMessage
from services.api_gateway_service.metrics import WS_CONNECTIONS, WS_MESSAGES


class LiveConnection:
    """One WebSocket's outbox: `offer` never blocks; the connection's sender awaits `next`."""

    def __init__(self, connection_id: int, teacher_id: str, capacity: int) -> None:
        self.connection_id = connection_id
        self.teacher_id = teacher_id
        self.capacity = capacity
        self.resyncs = 0  # times the outbox overflowed
        self._outbox: deque[str] = deque()
        self._ping_pending = False
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        """Messages waiting to be sent (a pending ping included)."""
        return len(self._outbox) + int(self._ping_pending)

    def offer(self, text: str) -> bool:
        """Queue a message; False when the outbox was full and became a single `resync`."""
        self._ready.set()
        if len(self._outbox) < self.capacity:
            self._outbox.append(text)
            return True
        self._outbox.clear()
        self._outbox.append(RESYNC)
        self.resyncs += 1
        return False

    def offer_ping(self) -> None:
        """Queue a heartbeat ahead of the updates, at most one at a time."""
        self._ping_pending = True
        self._ready.set()

    async def next(self) -> str:
        """The next message to send, waiting until there is one."""
        while not self._outbox and not self._ping_pending:
            self._ready.clear()
            await self._ready.wait()
        if self._ping_pending:
            self._ping_pending = False
            return PING
        return self._outbox.popleft()


class ConnectionHub:
    """Connections by teacher; an update goes to its teacher's connections only."""

    def __init__(self, queue_capacity: int) -> None:
        self._capacity = queue_capacity
        self._by_teacher: dict[str, dict[int, LiveConnection]] = {}
        self._ids = itertools.count(1)

    def connect(self, teacher_id: str) -> LiveConnection:
        """Register a new connection of `teacher_id`; updates reach it from now on."""
        connection = LiveConnection(next(self._ids), teacher_id, self._capacity)
        self._by_teacher.setdefault(teacher_id, {})[connection.connection_id] = connection
        WS_CONNECTIONS.inc()
        return connection

    def disconnect(self, connection: LiveConnection) -> None:
        """Forget a connection (idempotent)."""
        connections = self._by_teacher.get(connection.teacher_id, {})
        if connections.pop(connection.connection_id, None) is not None:
            WS_CONNECTIONS.dec()
        if not connections:
            self._by_teacher.pop(connection.teacher_id, None)

    def connections_of(self, teacher_id: str) -> list[LiveConnection]:
        """The teacher's open connections."""
        return list(self._by_teacher.get(teacher_id, {}).values())

    def __len__(self) -> int:
        """Open connections, all teachers together."""
        return sum(len(connections) for connections in self._by_teacher.values())

    def publish(self, message: LiveMessage) -> int:
        """Queue `message` on each connection of its teacher; returns how many got it."""
        connections = self.connections_of(message.teacher_id)
        for connection in connections:
            outcome = "queued" if connection.offer(message.text) else "resync"
            WS_MESSAGES.labels(message.kind, outcome).inc()
        if not connections:
            WS_MESSAGES.labels(message.kind, "no_connection").inc()
        return len(connections)
