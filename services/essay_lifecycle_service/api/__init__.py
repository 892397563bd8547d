"""HTTP routes of the ELS API (read-only views of essay state; the worker owns the writes)."""
