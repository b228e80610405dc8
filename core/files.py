"""Uploaded files: validation, safe names, thumbnails and permission-checked responses.

Shared by tickets and change requests. Rules:
- a file is refused above settings.HELPDESK_MAX_UPLOAD_MB (default 25 MB) with a clear message;
- its type is sniffed from its first bytes, never taken from the browser or the extension;
- an image is verified with Pillow (a renamed text file or a truncated picture is refused);
- names are reduced to a safe set of characters; responses carry nosniff and are shown inline
  only for images and PDF.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils import formats
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# Leading bytes -> MIME type. Order matters (longer, more specific signatures first).
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/vnd.ms-office"),
    (b"BM", 0, "image/bmp"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"Rar!", 0, "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
]
# Office Open XML files are zip archives; the extension tells which one once the zip is sniffed.
_ZIP_BY_EXTENSION = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
INLINE_TYPES = IMAGE_TYPES | {"application/pdf"}
_PIL_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
_PIL_FORMATS["BMP"] = "image/bmp"
THUMBNAIL_SIZE = (320, 320)
MAX_FILENAME_LENGTH = 150
# Pillow refuses decompression bombs above this many pixels (a 25 MB PNG stays well below).
Image.MAX_IMAGE_PIXELS = 80_000_000


@dataclass(frozen=True)
class UploadInfo:
    filename: str
    content_type: str
    size: int
    is_image: bool


def max_upload_bytes() -> int:
    return int(getattr(settings, "HELPDESK_MAX_UPLOAD_MB", 25)) * 1024 * 1024


def original_filename(name: str | None, default: str = "attachment") -> str:
    """The name as its sender wrote it, for display and downloads: without path parts, control
    characters or markup and header characters, capped in length with its extension kept."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    # Characters that mean something in markup, headers or a Windows path become "_";
    # letters of every script stay ("Ведомости.pdf" keeps its name).
    name = re.sub(r'[<>:"=|?*]', "_", name)
    if not name:
        return default
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot else ""
        keep = MAX_FILENAME_LENGTH - len(ext) - (1 if ext else 0)
        name = (stem if dot else name)[:keep] + ("." + ext if ext else "")
    return name


def safe_filename(name: str, *, default: str = "file") -> str:
    """A name safe in paths and headers: the original name reduced to ASCII letters, digits
    and a few marks (no directories, controls, quotes or markup characters)."""
    name = original_filename(name, default="")
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", name).strip(" ._")
    name = re.sub(r"_+", "_", name)
    name = re.sub(r"\s+", " ", name)
    if not name:
        return default
    stem, ext = os.path.splitext(name)
    stem = stem.strip(" ._")[:120] or default
    return stem + ext[:12].lower()


def sniff_content_type(head: bytes, filename: str = "") -> str:
    """MIME type from the first bytes (extension only refines a zip or plain text)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for signature, offset, mime in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            if mime == "application/zip":
                return _ZIP_BY_EXTENSION.get(os.path.splitext(filename)[1].lower(), mime)
            return mime
    if b"\x00" in head[:4096]:
        return "application/octet-stream"
    try:
        head[:4096].decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the end of the sample is still text.
        try:
            head[:4090].decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
    ext = os.path.splitext(filename)[1].lower()
    return {".csv": "text/csv", ".log": "text/plain"}.get(ext, "text/plain")


def _read_head(uploaded_file, n: int = 8192) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(n)
    uploaded_file.seek(0)
    return head


def validate_upload(uploaded_file) -> UploadInfo:
    """Check an uploaded file; raise ValidationError with a message for the person."""
    filename = original_filename(getattr(uploaded_file, "name", "") or "", default="file")
    size = uploaded_file.size
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s MB); the limit is %(limit)s MB per file.")
            % {
                "name": filename,
                "size": formats.number_format(round(size / 1024 / 1024, 1), 1),  # "30,0" in French
                "limit": limit // (1024 * 1024),
            },
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": filename}, code="empty")
    head = _read_head(uploaded_file)
    content_type = sniff_content_type(head, filename)
    claims_image = os.path.splitext(filename)[1].lower() in {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".bmp",
    } or str(getattr(uploaded_file, "content_type", "")).startswith("image/")
    is_image = content_type in IMAGE_TYPES
    if claims_image and not is_image:
        raise ValidationError(
            _("“%(name)s” is not a valid image.") % {"name": filename}, code="fake_image"
        )
    if is_image:
        content_type = _verify_image(uploaded_file, filename)
    return UploadInfo(filename=filename, content_type=content_type, size=size, is_image=is_image)


def _verify_image(uploaded_file, filename: str) -> str:
    try:
        uploaded_file.seek(0)
        with Image.open(uploaded_file) as img:
            fmt = img.format
            img.verify()
        uploaded_file.seek(0)
        with Image.open(uploaded_file) as img:
            img.load()  # verify() skips pixel data: a truncated file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("“%(name)s” is not a valid image.") % {"name": filename}, code="fake_image"
        ) from None
    finally:
        uploaded_file.seek(0)
    if fmt not in _PIL_FORMATS:
        raise ValidationError(
            _("“%(name)s” is not a valid image.") % {"name": filename}, code="fake_image"
        )
    return _PIL_FORMATS[fmt]


def make_thumbnail(source, *, size: tuple[int, int] = THUMBNAIL_SIZE) -> ContentFile | None:
    """A PNG/JPEG thumbnail (ContentFile named thumb.jpg) of an image file, or None."""
    try:
        source.seek(0)
        with Image.open(source) as img:
            img.thumbnail(size)
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=80)
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    finally:
        source.seek(0)
    return ContentFile(out.getvalue(), name="thumb.jpg")


def file_response(fieldfile, *, filename: str, content_type: str, inline: bool) -> FileResponse:
    """Stream a stored file under its original name (Django writes it as RFC 6266 asks: filename*
    for non-ASCII), nosniff, inline only for images and PDF."""
    inline = inline and content_type in INLINE_TYPES
    name = original_filename(filename, default="file")
    if content_type not in INLINE_TYPES and content_type.startswith(("text/html", "image/svg")):
        content_type = "application/octet-stream"
    fieldfile.open("rb")
    response = FileResponse(
        fieldfile, as_attachment=not inline, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def store_file(row, content, info: UploadInfo, *, thumbnail: bool = False) -> None:
    """The one way a file reaches storage: content (an upload or a copy, already checked by
    validate_upload) goes into row.file under its safe name, an image also gets row.thumbnail
    when the row has one, and the row is saved."""
    row.file.save(safe_filename(info.filename), content, save=False)
    if thumbnail and info.is_image:
        thumb = make_thumbnail(content)
        if thumb is not None:
            row.thumbnail.save(thumb.name, thumb, save=False)
    row.save()
