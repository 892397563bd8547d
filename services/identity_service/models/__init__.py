"""Request/response bodies and SQL tables of identity_service."""
