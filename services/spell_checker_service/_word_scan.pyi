# The compiled scan of tokenizer.py (_word_scan.c).
from collections.abc import Container

def words_to_check(
    text: str, skip: Container[str], known: Container[str]
) -> list[tuple[str, int, int, int]]: ...
