"""File Service HTTP blueprints: the batch upload, and health."""
