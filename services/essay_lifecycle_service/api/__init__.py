"""HTTP routes of the ELS API (read-only views of essay state)."""

from services.essay_lifecycle_service.api.routes import els_api

__all__ = ["els_api"]
