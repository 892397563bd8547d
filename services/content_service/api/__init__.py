"""Content Service HTTP blueprints: blobs, and health."""
