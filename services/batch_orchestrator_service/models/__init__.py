"""BOS data models: SQL tables (orm) and REST bodies (api), kept apart."""
