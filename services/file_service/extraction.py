"""Text out of uploaded files: pure functions, no I/O beyond the bytes handed in.

`extract_text` either returns non-empty text or raises `ExtractionError` carrying the
`ErrorCode` the file is rejected with. Parsing .docx/.pdf is CPU-bound, so callers run these
functions in a worker thread.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import PurePosixPath

from docx import Document
from docx.table import Table
from pypdf import PdfReader

from common_core.enums import ErrorCode

SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf")
# A .docx is a zip: refuse one that claims to unpack to more than this (a zip bomb would
# otherwise make python-docx inflate it all in memory).
MAX_DOCX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
# No essay is this long; extracting the text of thousands of pages would hold a worker thread
# for seconds (2,000 pages: ~5 s), so a longer PDF is refused once its pages are counted.
MAX_PDF_PAGES = 100


class ExtractionError(Exception):
    """The file cannot become an essay; `code` says why."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def extract_text(file_name: str, data: bytes) -> str:
    """The file's text with `\\n` line endings; raises ExtractionError when there is none."""
    suffix = PurePosixPath(file_name.lower()).suffix
    if suffix == ".txt":
        text = decode_plain_text(data)
    elif suffix == ".docx":
        text = docx_text(data)
    elif suffix == ".pdf":
        text = pdf_text(data)
    else:
        shown = suffix or "(none)"
        raise ExtractionError(
            ErrorCode.UNSUPPORTED_FILE_TYPE,
            f"file type {shown} is not supported; use {', '.join(SUPPORTED_SUFFIXES)}",
        )
    text = normalise_newlines(text)
    if "\x00" in text:
        # Real text has no NUL characters; this is a binary file with a .txt name.
        raise ExtractionError(ErrorCode.UNREADABLE_DOCUMENT, "the file is not a text file")
    if not text.strip():
        raise ExtractionError(ErrorCode.EMPTY_CONTENT, "the file contains no text")
    return text


def decode_plain_text(data: bytes) -> str:
    """Decode a .txt: a BOM decides (UTF-8, UTF-16 LE/BE), else UTF-8, else cp1252/latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode_or_unreadable(data[len(codecs.BOM_UTF8) :], "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_or_unreadable(data, "utf-16")  # the codec reads and drops the BOM
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte, so this always works.
        return data.decode("latin-1")


def docx_text(data: bytes) -> str:
    """Paragraphs (and table cells) of a .docx in document order, one per line."""
    _check_docx_size(data)
    try:
        document = Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_lines(block))
            else:
                lines.append(block.text)
    # python-docx raises anything from zip, XML and KeyError to its own errors on a broken file;
    # for an upload they all mean the same thing.
    except Exception as exc:
        raise ExtractionError(
            ErrorCode.UNREADABLE_DOCUMENT, "the .docx file could not be read"
        ) from exc
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    """The text layer of every page of a .pdf; scanned (image-only) pages give no text."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError(ErrorCode.UNREADABLE_DOCUMENT, "the .pdf is password protected")
        if (count := len(reader.pages)) > MAX_PDF_PAGES:
            raise ExtractionError(
                ErrorCode.FILE_TOO_LARGE,
                f"the .pdf has {count} pages; an essay has at most {MAX_PDF_PAGES}",
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    # pypdf signals broken structure with many exception types (its own, ValueError, KeyError...).
    except Exception as exc:
        raise ExtractionError(
            ErrorCode.UNREADABLE_DOCUMENT, "the .pdf file could not be read"
        ) from exc
    return "\n".join(page.rstrip() for page in pages)


def normalise_newlines(text: str) -> str:
    """`\\r\\n` and lone `\\r` become `\\n`, so offsets mean the same for every source."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_or_unreadable(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ExtractionError(
            ErrorCode.UNREADABLE_DOCUMENT, f"the file claims {encoding} but is not valid {encoding}"
        ) from exc


def _check_docx_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractionError(
            ErrorCode.UNREADABLE_DOCUMENT, "the .docx file is not a valid document"
        ) from exc
    if inflated > MAX_DOCX_UNCOMPRESSED_BYTES:
        raise ExtractionError(
            ErrorCode.UNREADABLE_DOCUMENT, "the .docx file unpacks to an implausible size"
        )


def _table_lines(table: Table) -> list[str]:
    lines: list[str] = []
    for row in table.rows:
        cells = [cell.text.strip() for cell in row.cells]
        lines.append("\t".join(cells))
    return lines
