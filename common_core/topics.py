"""The one map from ProcessingEvent to Kafka topic, and the dead-letter naming rule."""

from __future__ import annotations

from types import MappingProxyType

from common_core.enums import ProcessingEvent

DLT_SUFFIX = ".DLT"

TOPICS: MappingProxyType[ProcessingEvent, str] = MappingProxyType(
    {
        ProcessingEvent.BATCH_ESSAYS_REGISTERED: "huleedu.batch.essays.registered.v1",
        ProcessingEvent.ESSAY_CONTENT_READY: "huleedu.file.essay.content.ready.v1",
        ProcessingEvent.ESSAY_VALIDATION_FAILED: "huleedu.file.essay.validation.failed.v1",
        ProcessingEvent.BATCH_ESSAYS_READY: "huleedu.els.batch.essays.ready.v1",
        ProcessingEvent.BATCH_SPELLCHECK_INITIATE_COMMAND: (
            "huleedu.els.spellcheck.initiate.command.v1"
        ),
        ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED: "huleedu.essay.spellcheck.requested.v1",
        ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED: "huleedu.essay.spellcheck.completed.v1",
        ProcessingEvent.BATCH_NLP_INITIATE_COMMAND: "huleedu.els.nlp.initiate.command.v1",
        ProcessingEvent.ESSAY_NLP_REQUESTED: "huleedu.essay.nlp.requested.v1",
        ProcessingEvent.ESSAY_NLP_RESULT_RECEIVED: "huleedu.essay.nlp.completed.v1",
        ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED: "huleedu.essay.lifecycle.state.updated.v1",
        ProcessingEvent.BATCH_PIPELINE_PROGRESS_UPDATED: (
            "huleedu.batch.pipeline.progress.updated.v1"
        ),
        ProcessingEvent.BATCH_LIFECYCLE_COMPLETED: "huleedu.batch.lifecycle.completed.v1",
        ProcessingEvent.BATCH_DELETED: "huleedu.batch.deleted.v1",
    }
)


def topic_name(event: ProcessingEvent) -> str:
    """Return the Kafka topic for an event, as mapped in `TOPICS` above (the one table).

    Raises:
        ValueError: the event has no topic; the message lists every mapped event and topic.
    """
    try:
        return TOPICS[event]
    except KeyError:
        mapped = "\n".join(f"  {ev.name} -> {topic}" for ev, topic in TOPICS.items())
        raise ValueError(
            f"event {event!r} has no Kafka topic mapping. Mapped events:\n{mapped}"
        ) from None


def dlt_topic_name(topic: str) -> str:
    """Dead-letter twin of a topic: where messages that can never succeed are parked."""
    return f"{topic}{DLT_SUFFIX}"


def all_topics() -> list[str]:
    """Every topic the fleet uses, dead-letter twins included, in a stable order."""
    topics = list(TOPICS.values())
    return topics + [dlt_topic_name(t) for t in topics]
