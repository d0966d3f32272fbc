"""Small real files of each kind an upload may be, built in memory: what the upload, scan and
download tests send. Each is a file its format's readers accept, not just a magic number."""

import io
import struct
import zipfile
import zlib

PDF_BODY = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)


def pdf(padding: int = 0) -> bytes:
    """A one-page PDF; `padding` bytes of comment lines make it as large as a test needs."""
    if not padding:
        return PDF_BODY
    line = b"% " + b"x" * 77 + b"\n"
    filler = line * (padding // len(line) + 1)
    return PDF_BODY[:9] + filler[:padding] + PDF_BODY[9:]


def png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    """The start of a JFIF image: what libmagic reads to say image/jpeg."""
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xdb\x00\x43\x00"
        + bytes(range(1, 65))
        + b"\xff\xd9"
    )


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _content_types(main_part: str, main_type: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    ).encode()


def docx(
    main_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": _content_types("word/document.xml", main_type),
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            "word/document.xml": b'<?xml version="1.0"?><w:document/>',
        }
    )


def docm() -> bytes:
    """A Word document with macros: a .docx in all but its declared type."""
    return docx(main_type="application/vnd.ms-word.document.macroEnabled.main+xml")


def xlsx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": _content_types(
                "xl/workbook.xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            ),
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
        }
    )


def plain_zip() -> bytes:
    return _zip({"invoice.pdf": pdf(), "notes.txt": b"hello"})


def executable() -> bytes:
    """A real ELF program (this machine's `true`)."""
    with open("/bin/true", "rb") as program:
        return program.read()


def eicar() -> bytes:
    """The EICAR anti-virus test file: harmless, detected by every scanner. Built in two halves so
    this source file is not itself flagged."""
    return b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
