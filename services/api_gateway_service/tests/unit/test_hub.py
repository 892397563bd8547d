"""The connection hub: per-teacher routing and the bounded outbox's resync policy."""

from __future__ import annotations

import asyncio
import json

from services.api_gateway_service.domain import PING, RESYNC, LiveMessage
from services.api_gateway_service.hub import ConnectionHub


def message(teacher_id: str, n: int) -> LiveMessage:
    return LiveMessage(teacher_id, "batch_progress", json.dumps({"n": n}))


async def test_a_message_reaches_every_connection_of_its_teacher_and_no_other() -> None:
    hub = ConnectionHub(queue_capacity=10)
    anna_1, anna_2, bertil = hub.connect("anna"), hub.connect("anna"), hub.connect("bertil")

    assert hub.publish(message("anna", 1)) == 2

    assert await anna_1.next() == await anna_2.next() == '{"n": 1}'
    assert len(bertil) == 0
    assert hub.publish(message("carl", 2)) == 0


async def test_a_full_outbox_becomes_one_resync_and_stays_bounded() -> None:
    hub = ConnectionHub(queue_capacity=3)
    slow = hub.connect("anna")
    for n in range(1000):
        hub.publish(message("anna", n))
        assert len(slow) <= 3
    assert slow.resyncs > 0
    # What is left: the resync first (the client re-reads everything over REST), then only
    # messages that came after it, in order.
    drained = [await slow.next() for _ in range(len(slow))]
    assert drained[0] == RESYNC
    numbers = [json.loads(text)["n"] for text in drained[1:]]
    assert numbers == sorted(numbers) and all(n > 990 for n in numbers)


async def test_a_heartbeat_jumps_the_queue_once() -> None:
    hub = ConnectionHub(queue_capacity=5)
    connection = hub.connect("anna")
    hub.publish(message("anna", 1))
    connection.offer_ping()
    connection.offer_ping()
    assert [await connection.next(), await connection.next()] == [PING, '{"n": 1}']
    assert len(connection) == 0


async def test_next_waits_for_a_message() -> None:
    hub = ConnectionHub(queue_capacity=5)
    connection = hub.connect("anna")
    waiting = asyncio.create_task(connection.next())
    await asyncio.sleep(0)
    assert not waiting.done()
    hub.publish(message("anna", 7))
    assert await asyncio.wait_for(waiting, 1) == '{"n": 7}'


def test_disconnected_connections_get_nothing_and_disconnect_is_idempotent() -> None:
    hub = ConnectionHub(queue_capacity=5)
    connection = hub.connect("anna")
    hub.disconnect(connection)
    hub.disconnect(connection)
    assert hub.publish(message("anna", 1)) == 0
    assert len(hub) == 0
