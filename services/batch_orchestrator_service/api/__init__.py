"""BOS HTTP blueprints."""
