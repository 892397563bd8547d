"""ELS's tables (the API reads them through views.py, the worker writes through the repository)."""
