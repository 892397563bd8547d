"""identity_service HTTP blueprints."""
