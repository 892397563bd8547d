"""SQL tables of File Service (and, in api.py, its REST bodies for the OpenAPI document)."""
