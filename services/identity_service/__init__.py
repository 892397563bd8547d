"""identity_service: teachers, their passwords, and the keys that sign their access tokens."""
