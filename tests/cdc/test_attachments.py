"""Attachments: quote documents, PDF previews of office files when LibreOffice is there."""

import os
import stat
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cdc import services
from cdc.tasks import convert_preview

FAKE_SOFFICE = """#!/bin/sh
# Local stand-in for LibreOffice: writes <name>.pdf into --outdir.
while [ $# -gt 0 ]; do
  case "$1" in --outdir) shift; out="$1";; *) src="$1";; esac; shift
done
base=$(basename "$src"); printf '%%PDF-1.4 preview' > "$out/${base%.*}.pdf"
"""


def _docx(cr, actor):
    return services.add_attachment(
        actor=actor,
        cr=cr,
        side="client",
        upload=SimpleUploadedFile("needs.docx", b"PK fake docx"),
        info=SimpleNamespace(
            filename="needs.docx", content_type="application/octet-stream", size=12
        ),
    )


def test_office_file_gets_a_pdf_preview_when_libreoffice_is_installed(
    build, client_admin_a, login, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    binary = tmp_path / "soffice"
    binary.write_text(FAKE_SOFFICE)
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    cr = build.draft()
    with django_capture_on_commit_callbacks(execute=True):
        attachment = _docx(cr, client_admin_a)
    attachment.refresh_from_db()
    assert attachment.preview.name.endswith(".pdf")
    client = login(client_admin_a)
    url = reverse("cdc:download", args=[cr.number, attachment.pk])
    assert client.get(url)["Content-Disposition"].startswith("attachment")
    preview = client.get(url + "?preview=1")
    assert preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline")


def test_without_libreoffice_office_files_are_downloaded(
    build, client_admin_a, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("cdc.tasks.office_converter", lambda: None)
    cr = build.draft()
    with django_capture_on_commit_callbacks(execute=True):
        attachment = _docx(cr, client_admin_a)
    attachment.refresh_from_db()
    assert not attachment.preview
    assert convert_preview(attachment.pk) is False


def test_support_uploads_a_quote_document(build, login, agent):
    cr = build.submitted()
    client = login(agent)
    response = client.post(
        reverse("cdc:upload", args=[cr.number, "support"]),
        {"file": SimpleUploadedFile("quote.pdf", b"%PDF-1.4"), "is_quote": "1"},
    )
    assert response.status_code == 302
    assert cr.attachments.get().side == "quote"
    refused = client.post(
        reverse("cdc:upload", args=[cr.number, "support"]),
        {"file": SimpleUploadedFile("evil.exe", b"MZ")},
    )
    assert refused.status_code == 400 and cr.attachments.count() == 1
