"""Metadata building blocks carried inside event payloads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from common_core.enums import ContentType, ProcessingEvent, ProcessingStage


def utc_now() -> datetime:
    """Timezone-aware current time; every timestamp in the fleet is UTC."""
    return datetime.now(UTC)


class EntityReference(BaseModel):
    """Points at the thing an event is about (an essay or a batch)."""

    model_config = ConfigDict(frozen=True)

    entity_id: str = Field(description="Id of the essay or batch.")
    entity_type: Literal["essay", "batch"] = Field(description="What kind of entity this is.")
    parent_id: str | None = Field(
        default=None, description="For an essay, the id of the batch it belongs to."
    )

    @classmethod
    def batch(cls, batch_id: str) -> EntityReference:
        """A reference to a batch."""
        return cls(entity_id=batch_id, entity_type="batch")

    @classmethod
    def essay(cls, essay_id: str, batch_id: str) -> EntityReference:
        """A reference to an essay, with its batch as parent."""
        return cls(entity_id=essay_id, entity_type="essay", parent_id=batch_id)


class SystemProcessingMetadata(BaseModel):
    """Who produced an event, for what, and when; plus error details on failures."""

    entity: EntityReference = Field(description="The entity the event concerns.")
    event: ProcessingEvent | None = Field(default=None, description="The event being emitted.")
    processing_stage: ProcessingStage | None = Field(
        default=None, description="Pipeline phase the producer was in."
    )
    timestamp: datetime = Field(default_factory=utc_now, description="When it was produced.")
    error_info: dict[str, Any] = Field(
        default_factory=dict, description="Error details when the event reports a failure."
    )


def event_metadata(
    entity: EntityReference,
    event: ProcessingEvent,
    stage: ProcessingStage,
    error_info: Mapping[str, Any] | None = None,
) -> SystemProcessingMetadata:
    """The `metadata` of an event a service emits about `entity` in `stage`."""
    return SystemProcessingMetadata(
        entity=entity, event=event, processing_stage=stage, error_info=dict(error_info or {})
    )


class StorageReferenceMetadata(BaseModel):
    """Content Service storage ids of the artifacts an event refers to, by content type."""

    references: dict[ContentType, str] = Field(
        default_factory=dict, description="ContentType -> Content Service storage_id."
    )

    def storage_id(self, content_type: ContentType) -> str | None:
        """The storage id for a content type, or None when absent."""
        return self.references.get(content_type)
