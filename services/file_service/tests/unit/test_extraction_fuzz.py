"""Bounded fuzzing (hypothesis) of text extraction for every format: whatever the bytes, the
answer is a text or an ExtractionError (a per-file rejection), never another exception.

Inputs are random bytes and valid documents with random bytes overwritten or cut short, so the
parsers (zipfile + python-docx, pypdf, the .txt decoders) see both garbage and near-misses.
Derandomized, so a failure replays; the example counts keep it to a few seconds.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.file_service.extraction import ExtractionError, extract_text
from tests.support.documents import make_docx, make_pdf

VALID = {
    "essay.txt": b"Name: Anna\nMy summer was warm.\n",
    "essay.docx": make_docx(["Name: Anna", "My summer was warm."]),
    "essay.pdf": make_pdf(["Name: Anna", "My summer was warm."]),
}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _extract_or_reject(name: str, data: bytes) -> None:
    try:
        text = extract_text(name, data)
    except ExtractionError as exc:
        assert exc.code and exc.message
    else:
        assert isinstance(text, str) and text.strip()


@pytest.mark.parametrize("name", list(VALID))
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_are_text_or_a_rejection(name: str, data: bytes) -> None:
    _extract_or_reject(name, data)


@pytest.mark.parametrize("name", list(VALID))
@FUZZ
@given(st.data())
def test_damaged_documents_are_text_or_a_rejection(name: str, data: st.DataObject) -> None:
    document = bytearray(VALID[name])
    for _ in range(data.draw(st.integers(1, 8), label="edits")):
        at = data.draw(st.integers(0, len(document) - 1), label="at")
        document[at] = data.draw(st.integers(0, 255), label="byte")
    cut = data.draw(st.integers(1, len(document)), label="cut")
    _extract_or_reject(name, bytes(document[:cut]))
