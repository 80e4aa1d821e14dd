"""Files of each type, and the contract and clearance documents attach to (test setup only)."""

import io
import itertools
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contracts.models import Contract
from reviews.models import Clearance

DOCUMENTS = "/api/v1/documents/"
_serials = itertools.count(1)


def pdf_bytes(text: str = "signed") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% "
        + text.encode()
        + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def docx_bytes(*, with_document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            archive.writestr("word/document.xml", "<w:document/>")
        else:
            archive.writestr("notes.txt", "not a word document")
    return buffer.getvalue()


def txt_bytes() -> bytes:
    return "第一集：闪婚\n她在民政局门口遇见了他。\n".encode()


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def signed_contract(world, project, *, status=Contract.Status.SIGNED, **terms) -> Contract:
    fields = {
        "commissioning_model": Contract.Model.LICENCE,
        "production_fee": "500000.00",
        "created_by": world.content_manager,
        **terms,
    }
    return Contract.objects.create(project=project, status=status, **fields)


def clearance(world, project, *, issued_by=None, recorded_by=None) -> Clearance:
    return Clearance.objects.create(
        project=project,
        kind=Clearance.Kind.ONLINE_REGISTRATION,
        number=f"（沪）网剧备字（2025）第{next(_serials):03d}号",
        issued_by=issued_by or world.shanghai,
        issued_at=timezone.now(),
        recorded_by=recorded_by or world.shanghai_reviewer,
    )


def post(client, **fields):
    return client.post(DOCUMENTS, fields, format="multipart")
