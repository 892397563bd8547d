# The compiled test of word_forms.py (_word_forms.c).
from collections.abc import Sequence
from typing import Any

def tables(
    forms: Sequence[int], begin: Sequence[int], middle: Sequence[int], end: Sequence[int]
) -> Any: ...
def may_accept(tables: Any, word: str) -> bool: ...
