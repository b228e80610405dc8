"""Upload validation shared by tickets and change requests."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.files import file_response, make_thumbnail, safe_filename, validate_upload


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def test_real_png_is_accepted_with_sniffed_type():
    info = validate_upload(SimpleUploadedFile("shot.png", png_bytes(), "text/plain"))
    assert info.content_type == "image/png"
    assert info.is_image
    assert info.filename == "shot.png"


def test_fake_image_is_refused_with_a_clear_message():
    fake = SimpleUploadedFile("photo.png", b"<script>alert(1)</script>", "image/png")
    with pytest.raises(ValidationError) as exc:
        validate_upload(fake)
    assert "not a valid image" in str(exc.value)


def test_truncated_png_is_refused():
    data = png_bytes((400, 400))
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("cut.png", data[: len(data) // 2], "image/png"))


def test_file_over_the_limit_is_refused(settings):
    settings.HELPDESK_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 10))
    with pytest.raises(ValidationError) as exc:
        validate_upload(big)
    assert "limit is 1 MB" in str(exc.value)


def test_html_upload_is_plain_text_not_html():
    info = validate_upload(SimpleUploadedFile("x.html", b"<html><script>x</script></html>"))
    assert info.content_type == "text/plain"
    assert not info.is_image


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ('<img src=x onerror="alert(1)">.png', "img src_x onerror_alert_1.png"),
        ("Facture été 2026.PDF", "Facture ete 2026.pdf"),
        ("", "file"),
        ("C:\\Users\\me\\report.docx", "report.docx"),
    ],
)
def test_safe_filename(raw, safe):
    assert safe_filename(raw) == safe


def test_thumbnail_is_small_jpeg():
    thumb = make_thumbnail(io.BytesIO(png_bytes((2000, 1000))))
    with Image.open(io.BytesIO(thumb.read())) as img:
        assert img.format == "JPEG"
        assert max(img.size) <= 320


def test_file_response_inline_only_for_images_and_pdf(tmp_path):
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("a.bin", ContentFile(b"hello"))
    f = storage.open(name)
    response = file_response(f, filename='evil".html', content_type="text/html", inline=True)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    f = storage.open(name)
    response = file_response(f, filename="s.png", content_type="image/png", inline=True)
    assert response["Content-Disposition"].startswith("inline")
