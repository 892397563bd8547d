"""Upload fixtures generated in code: .docx via python-docx, .pdf via fpdf2 (a core font), and
hostile ones by hand (a PDF of thousands of pages, a zip lying about its size)."""

from __future__ import annotations

import io
import uuid

from docx import Document
from fpdf import FPDF


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A .docx with these paragraphs, then an optional table."""
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A one-page .pdf with a text layer (Helvetica covers Latin-1, so å/ä/ö work)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_image_only_pdf() -> bytes:
    """A .pdf with only drawn shapes, like a scan without OCR: no text layer at all."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 120, 80, style="F")
    return bytes(pdf.output())


def make_many_page_pdf(pages: int, line: str = "One more page of an endless essay.") -> bytes:
    """A valid PDF of `pages` pages with a text layer, written by hand so 2,000 pages cost
    ~300 KB and milliseconds: every page shows the same content stream and font."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode()
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    )
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        *([page] * pages),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def with_declared_size(docx: bytes, member: str, size: int) -> bytes:
    """The same zip, with `member`'s uncompressed size in both headers changed to `size`."""
    data = bytearray(docx)
    name = member.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            length_at = name_at - 4 if signature == b"PK\x03\x04" else 28
            name_length = int.from_bytes(data[at + length_at : at + length_at + 2], "little")
            if data[at + name_at : at + name_at + name_length] == name:
                data[at + size_at : at + size_at + 4] = size.to_bytes(4, "little")
            start = at + 4
    return bytes(data)


def encode_multipart(
    fields: dict[str, str], files: list[tuple[str, bytes]], field_name: str = "files"
) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type, with every file under `field_name`."""
    boundary = f"----huleedu-test-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for file_name, data in files:
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
                f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
