"""Worker CPU per essay: the spell checker and the NLP worker as the real fleet runs them.

    pdm run python -m scripts.bench_nlp_workers --essays 200

Starts the local fleet (`fleet up`: its own broker, every service), stores generated essays in
Content Service and publishes the two workers' requests straight onto their topics, as ELS
would: first a spellcheck request per essay, then, from each result, an NLP request for the
corrected text with its corrections count. Each worker's process tree (the checker pool
included) is charged the CPU it used from its first request to its last result, divided by the
essays: Kafka consume and publish, Content Service round trips (the spell checker stores two
blobs per essay, NLP one), the computation, JSON, logging. A first round of `--warm-up` essays
is not counted (connections, caches, the broker's JIT compiler).

Run it inside a network namespace of its own when other fleets may run (fixed local ports).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
from aiokafka import AIOKafkaConsumer

from common_core.enums import ContentType, EssayStatus, Language, ProcessingEvent
from common_core.events import (
    EventData,
    NlpRequestedDataV1,
    NlpResultDataV1,
    SpellcheckRequestedDataV1,
    SpellcheckResultDataV1,
)
from common_core.kafka import KafkaEventPublisher
from common_core.metadata import EntityReference, SystemProcessingMetadata
from common_core.processes import free_port
from common_core.topics import topic_name
from scripts.fleet.running import RunningFleet
from scripts.fleet_sampling import cpu_seconds
from tests.support.essays import generate_essay

CONTENT_URL = "http://127.0.0.1:8001"
SPELL, NLP = "spell_checker_service", "nlp_service"


def essay_ref(batch_id: str, index: int) -> EntityReference:
    return EntityReference.essay(f"{batch_id}-{index}", batch_id)


async def store_texts(texts: Sequence[str]) -> list[str]:
    """Store each text as File Service would; their storage ids, in order."""
    async with aiohttp.ClientSession() as session:

        async def store(text: str) -> str:
            headers = {"Content-Type": "text/plain; charset=utf-8"}
            async with session.post(
                f"{CONTENT_URL}/v1/content", data=text.encode(), headers=headers
            ) as response:
                response.raise_for_status()
                return str((await response.json())["storage_id"])

        return list(await asyncio.gather(*(store(text) for text in texts)))


async def round_trip(
    bootstrap: str, requests: Sequence[EventData], result_event: ProcessingEvent, batch_id: str
) -> list[dict[str, Any]]:
    """Publish the requests and wait for one result per essay of `batch_id`; their `data`."""
    consumer = AIOKafkaConsumer(
        topic_name(result_event), bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        async with KafkaEventPublisher(bootstrap, "bench_nlp_workers") as publisher:
            await publisher.publish_many((request, batch_id) for request in requests)
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + 600
        marker = batch_id.encode()
        while len(found) < len(requests) and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    if record.value is not None and marker in record.value:
                        data = json.loads(record.value)["data"]
                        found[data["entity_ref"]["entity_id"]] = data
        if len(found) < len(requests):
            raise TimeoutError(f"{len(found)} of {len(requests)} results for {batch_id}")
        return list(found.values())
    finally:
        await consumer.stop()


async def run_round(fleet: RunningFleet, essays: int, words: int, seed: int) -> tuple[float, float]:
    """Both phases over `essays` fresh essays; CPU seconds per essay of each worker."""
    bootstrap = fleet.kafka_bootstrap
    batch_id = f"bench-{uuid.uuid4().hex[:10]}"
    texts = [generate_essay(seed + i, "en", words).text for i in range(essays)]
    text_ids = await store_texts(texts)
    spell_requests = [
        SpellcheckRequestedDataV1(
            batch_id=batch_id,
            entity_ref=essay_ref(batch_id, i),
            text_storage_id=text_id,
            language=Language.ENGLISH,
            metadata=SystemProcessingMetadata(entity=essay_ref(batch_id, i)),
        )
        for i, text_id in enumerate(text_ids)
    ]
    before = cpu_seconds(fleet)[SPELL]
    raw = await round_trip(
        bootstrap, spell_requests, ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED, batch_id
    )
    spell_cpu = cpu_seconds(fleet)[SPELL] - before
    results = [SpellcheckResultDataV1.model_validate(data) for data in raw]
    nlp_requests = []
    for result in results:
        assert result.status == EssayStatus.SPELLCHECKED_SUCCESS and result.storage_metadata
        corrected = result.storage_metadata.storage_id(ContentType.CORRECTED_TEXT)
        assert corrected is not None
        nlp_requests.append(
            NlpRequestedDataV1(
                batch_id=batch_id,
                entity_ref=result.entity_ref,
                corrected_text_storage_id=corrected,
                spellcheck_corrections=result.corrections_made or 0,
                language=Language.ENGLISH,
                metadata=SystemProcessingMetadata(entity=result.entity_ref),
            )
        )
    before = cpu_seconds(fleet)[NLP]
    raw = await round_trip(
        bootstrap, nlp_requests, ProcessingEvent.ESSAY_NLP_RESULT_RECEIVED, batch_id
    )
    nlp_cpu = cpu_seconds(fleet)[NLP] - before
    for data in raw:
        assert NlpResultDataV1.model_validate(data).status == EssayStatus.NLP_SUCCESS
    return spell_cpu / essays, nlp_cpu / essays


async def measure(fleet: RunningFleet, essays: int, words: int, warm_up: int, rounds: int) -> None:
    await run_round(fleet, warm_up, words, seed=900_000)
    for number in range(rounds):
        spell, nlp = await run_round(fleet, essays, words, seed=100_000 * (number + 1))
        print(
            f"round {number + 1}: {essays} essays of ~{words} words | spell_checker_service "
            f"{spell * 1e3:.2f} ms CPU/essay | nlp_service {nlp * 1e3:.2f} ms CPU/essay | "
            f"nlp/spellcheck {nlp / spell:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--essays", type=int, default=200, help="essays per measured round")
    parser.add_argument("--words", type=int, default=350, help="words per generated essay")
    parser.add_argument("--warm-up", type=int, default=50, help="essays of the uncounted round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-nlp-") as tmp:
        fleet = RunningFleet(Path(tmp), kafka_port=free_port())
        fleet.start()
        try:
            asyncio.run(measure(fleet, args.essays, args.words, args.warm_up, args.rounds))
        finally:
            fleet.stop()


if __name__ == "__main__":
    main()
