"""Text extraction for every supported format and encoding, over generated fixtures."""

from __future__ import annotations

import codecs
import io
import time
import zipfile

import pytest

from common_core.enums import ErrorCode
from services.file_service import extraction
from services.file_service.extraction import (
    ExtractionError,
    decode_plain_text,
    extract_text,
)
from tests.support.documents import (
    make_docx,
    make_image_only_pdf,
    make_many_page_pdf,
    make_pdf,
    with_declared_size,
)

SWEDISH = "Hälsningar \u2013 Åsa\nÖverallt är det sommar."


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("utf-8", SWEDISH.encode("utf-8")),
        ("utf-8 with BOM", codecs.BOM_UTF8 + SWEDISH.encode("utf-8")),
        ("utf-16 LE with BOM", codecs.BOM_UTF16_LE + SWEDISH.encode("utf-16-le")),
        ("utf-16 BE with BOM", codecs.BOM_UTF16_BE + SWEDISH.encode("utf-16-be")),
        ("cp1252", SWEDISH.encode("cp1252")),
    ],
)
def test_txt_encodings_decode_to_the_same_text(label: str, data: bytes) -> None:
    assert extract_text("essay.txt", data) == SWEDISH, label


def test_bom_is_not_part_of_the_text() -> None:
    text = extract_text("a.txt", codecs.BOM_UTF8 + b"Hello")
    assert text == "Hello"
    assert not text.startswith("\ufeff")


def test_bytes_undefined_in_cp1252_fall_back_to_latin1() -> None:
    # 0x81 is undefined in cp1252 and invalid UTF-8: latin-1 still decodes it.
    assert decode_plain_text(b"caf\xe9 \x81") == "caf\xe9 \x81"


def test_windows_line_endings_become_newlines() -> None:
    assert extract_text("a.TXT", b"one\r\ntwo\rthree\n") == "one\ntwo\nthree\n"


def test_utf16_with_bom_but_odd_length_is_unreadable() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text("a.txt", codecs.BOM_UTF16_LE + b"h\x00i")
    assert caught.value.code is ErrorCode.UNREADABLE_DOCUMENT


def test_binary_renamed_to_txt_is_unreadable() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert caught.value.code is ErrorCode.UNREADABLE_DOCUMENT


@pytest.mark.parametrize("data", [b"", b"   \n\t \r\n", codecs.BOM_UTF8 + b"  \n"])
def test_empty_or_whitespace_text_is_rejected_as_empty(data: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text("blank.txt", data)
    assert caught.value.code is ErrorCode.EMPTY_CONTENT


def test_docx_paragraphs_and_tables_in_order() -> None:
    data = make_docx(["Namn: Åsa Öberg", "Första stycket."], table=[["a", "b"], ["c", "d"]])

    text = extract_text("Essay.DOCX", data)

    assert text == "Namn: Åsa Öberg\nFörsta stycket.\na\tb\nc\td"


def test_docx_without_text_is_empty() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text("empty.docx", make_docx(["", "  "]))
    assert caught.value.code is ErrorCode.EMPTY_CONTENT


@pytest.mark.parametrize(
    "data",
    [b"not a zip at all", b"PK\x03\x04 truncated zip", make_docx(["ok"])[:200]],
)
def test_corrupt_docx_is_unreadable(data: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text("broken.docx", data)
    assert caught.value.code is ErrorCode.UNREADABLE_DOCUMENT


def test_zip_that_is_not_a_word_document_is_unreadable() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not word")
    with pytest.raises(ExtractionError) as caught:
        extract_text("fake.docx", buffer.getvalue())
    assert caught.value.code is ErrorCode.UNREADABLE_DOCUMENT


def test_docx_that_unpacks_to_too_much_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = make_docx(["a perfectly fine essay"])
    monkeypatch.setattr(extraction, "MAX_DOCX_UNCOMPRESSED_BYTES", 1000)
    assert len(data) > 1000  # the document itself inflates beyond the lowered limit
    with pytest.raises(ExtractionError) as caught:
        extract_text("bomb.docx", data)
    assert caught.value.code is ErrorCode.UNREADABLE_DOCUMENT
    assert "size" in caught.value.message


def test_pdf_text_layer_with_latin1_letters() -> None:
    text = extract_text("essay.pdf", make_pdf(["Name: Åsa Öberg", "Hälsningar från Göteborg"]))
    assert "Name: Åsa Öberg" in text
    assert "Hälsningar från Göteborg" in text


def test_image_only_pdf_is_empty() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text("scan.pdf", make_image_only_pdf())
    assert caught.value.code is ErrorCode.EMPTY_CONTENT


@pytest.mark.parametrize("data", [b"%PDF-1.4 garbage", b"", make_pdf(["x"])[:100]])
def test_corrupt_pdf_is_unreadable(data: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text("broken.pdf", data)
    assert caught.value.code is ErrorCode.UNREADABLE_DOCUMENT


@pytest.mark.parametrize("name", ["essay.odt", "essay", "essay.txt.exe", "archive.zip", ".txt"])
def test_unsupported_types_are_rejected(name: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text(name, b"some text")
    assert caught.value.code is ErrorCode.UNSUPPORTED_FILE_TYPE


def test_a_docx_declaring_over_a_gigabyte_is_refused_at_once() -> None:
    """Zip bomb, as the issue's probe sent it: a small file that claims > 1 GB unpacked."""
    bomb = with_declared_size(make_docx(["tiny"]), "word/document.xml", 1_100_000_000)
    started = time.perf_counter()
    with pytest.raises(ExtractionError) as caught:
        extract_text("bomb.docx", bomb)
    assert caught.value.code is ErrorCode.UNREADABLE_DOCUMENT
    assert time.perf_counter() - started < 1.0


def test_a_docx_lying_small_about_a_large_member_never_inflates_past_the_lie() -> None:
    """A member declaring 1 KiB that really inflates to 16 MiB: zipfile stops at the declared
    size (and the CRC fails), so memory stays bounded by what the headers admit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in zipfile.ZipFile(io.BytesIO(make_docx(["ok"]))).infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, zipfile.ZipFile(io.BytesIO(make_docx(["ok"]))).read(info))
        archive.writestr("word/document.xml", b"<" + b"\0" * (16 << 20))
    liar = with_declared_size(buffer.getvalue(), "word/document.xml", 1024)
    with pytest.raises(ExtractionError) as caught:
        extract_text("liar.docx", liar)
    assert caught.value.code is ErrorCode.UNREADABLE_DOCUMENT


def test_a_pdf_of_more_pages_than_an_essay_is_refused_before_extraction() -> None:
    """The issue's 2,000-page PDF: its text would take seconds to extract and is no essay."""
    assert "endless essay" in extract_text("ok.pdf", make_many_page_pdf(3))
    with pytest.raises(ExtractionError) as caught:
        extract_text("long.pdf", make_many_page_pdf(extraction.MAX_PDF_PAGES + 1))
    assert caught.value.code is ErrorCode.FILE_TOO_LARGE
    assert str(extraction.MAX_PDF_PAGES) in caught.value.message
