# The compiled lookups of deletes_index.py (_deletes_probe.c).
from typing import Any

def one_edit(
    starts: Any, keys: Any, values: Any, word: str, found: dict[int, int], deeper: dict[int, int]
) -> None: ...
def two_deletes(
    starts: Any, keys: Any, values: Any, word: str, found: dict[int, int], max_id: int
) -> None: ...
