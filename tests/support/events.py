"""Small event builders shared by the plumbing tests."""

from __future__ import annotations

from common_core.events import BatchEssaysRegistered
from common_core.metadata import EntityReference, SystemProcessingMetadata


def registered(batch_id: str) -> BatchEssaysRegistered:
    """A one-essay BatchEssaysRegistered for `batch_id`."""
    return BatchEssaysRegistered(
        batch_id=batch_id,
        expected_essay_count=1,
        essay_ids=["e1"],
        metadata=SystemProcessingMetadata(
            entity=EntityReference(entity_id=batch_id, entity_type="batch")
        ),
    )
