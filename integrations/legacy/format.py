"""Reading an export in the documented format (docs/legacy-import.md): a folder or a ZIP with
manifest.json and JSON Lines files, and the attachments they name by relative path.

Nothing here writes to the database. A line that is not a JSON object is returned as a
problem with its line number; attachment paths are resolved inside the export only: absolute
paths, "..", backslashes, NUL bytes and links that lead outside are refused.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

FORMAT_NAME = "helpdesk-export"
FORMAT_VERSION = 1
# The files of an export, in the order they are imported (later ones refer to earlier ones).
FILES = (
    ("organization", "organizations.jsonl"),
    ("person", "people.jsonl"),
    ("ticket", "tickets.jsonl"),
    ("entry", "entries.jsonl"),
)
MANIFEST = "manifest.json"


class ExportUnreadable(Exception):
    """The export as a whole cannot be read (no manifest, a wrong format): nothing is imported."""


class RowError(Exception):
    """One row cannot be imported; the message says why, for the person who runs the import."""


@dataclass(frozen=True)
class Line:
    file: str
    number: int
    data: dict | None  # None: the line is not a JSON object
    error: str = ""


class ExportSource:
    """An export in a folder or in a ZIP (possibly with one top folder inside)."""

    def __init__(self, path: str | os.PathLike):
        path = Path(path)
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if path.is_dir():
            self._root = path.resolve()
        elif zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            names = set(self._zip.namelist())
            if MANIFEST not in names:
                tops = [n for n in names if n.endswith("/" + MANIFEST) and n.count("/") == 1]
                if len(tops) == 1:
                    self._prefix = tops[0][: -len(MANIFEST)]
        else:
            raise ExportUnreadable(_("This is neither a folder nor a ZIP file."))
        self.manifest = self._read_manifest()
        self.source = self.manifest["source"]

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- raw access -------------------------------------------------------------------------

    def _exists(self, name: str) -> bool:
        if self._zip is not None:
            return self._prefix + name in set(self._zip.namelist())
        return (self._root / name).is_file()

    def _open_text(self, name: str):
        if self._zip is not None:
            import io

            return io.TextIOWrapper(self._zip.open(self._prefix + name), encoding="utf-8-sig")
        return open(self._root / name, encoding="utf-8-sig")

    def _read_manifest(self) -> dict:
        if not self._exists(MANIFEST):
            raise ExportUnreadable(_("The export has no manifest.json."))
        try:
            with self._open_text(MANIFEST) as handle:
                manifest = json.load(handle)
        except (ValueError, UnicodeDecodeError):
            raise ExportUnreadable(_("manifest.json is not valid JSON.")) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            raise ExportUnreadable(
                _("manifest.json does not describe a helpdesk export (format “%(name)s”).")
                % {"name": FORMAT_NAME}
            )
        if manifest.get("version") != FORMAT_VERSION:
            raise ExportUnreadable(
                _("This export is version %(found)s; version %(version)s is expected.")
                % {"found": manifest.get("version"), "version": FORMAT_VERSION}
            )
        source = manifest.get("source")
        if not isinstance(source, str) or not source.strip() or len(source.strip()) > 50:
            raise ExportUnreadable(_("manifest.json must name its source (50 characters at most)."))
        manifest["source"] = source.strip()
        return manifest

    # --- rows -------------------------------------------------------------------------------

    def count_lines(self) -> int:
        total = 0
        for _kind, name in FILES:
            if self._exists(name):
                with self._open_text(name) as handle:
                    total += sum(1 for line in handle if line.strip())
        return total

    def lines(self, name: str) -> Iterator[Line]:
        """The non-blank lines of one file, each parsed (or with the reason it is unreadable)."""
        if not self._exists(name):
            return
        with self._open_text(name) as handle:
            number = 0
            while True:
                try:
                    raw = handle.readline()
                except UnicodeDecodeError:
                    yield Line(name, number + 1, None, _("The file is not UTF-8 from here on."))
                    return
                if not raw:
                    return
                number += 1
                if not raw.strip():
                    continue
                try:
                    data = json.loads(raw)
                except ValueError as exc:
                    yield Line(name, number, None, _("Not valid JSON: %(error)s") % {"error": exc})
                    continue
                if not isinstance(data, dict):
                    yield Line(name, number, None, _("The line is not a JSON object."))
                    continue
                yield Line(name, number, data)

    # --- attachments ------------------------------------------------------------------------

    def read_file(self, relative: str, limit: int) -> bytes:
        """The bytes of an attachment named by its path inside the export; RowError when the
        path is unsafe, missing, or the file is larger than limit."""
        clean = safe_relative_path(relative)
        if self._zip is not None:
            try:
                info = self._zip.getinfo(self._prefix + clean)
            except KeyError:
                missing = _("The file “%(path)s” is not in the export.") % {"path": clean}
                raise RowError(missing) from None
            if info.file_size > limit:
                raise RowError(_too_large(clean, info.file_size, limit))
            with self._zip.open(info) as handle:
                return handle.read(limit + 1)
        target = (self._root / clean).resolve()
        if not target.is_relative_to(self._root):
            raise RowError(_("The path “%(path)s” leads outside the export.") % {"path": clean})
        if not target.is_file():
            raise RowError(_("The file “%(path)s” is not in the export.") % {"path": clean})
        size = target.stat().st_size
        if size > limit:
            raise RowError(_too_large(clean, size, limit))
        return target.read_bytes()


def _too_large(path: str, size: int, limit: int) -> str:
    return _("“%(path)s” is too large (%(size)s MB); the limit is %(limit)s MB per file.") % {
        "path": path,
        "size": round(size / 1024 / 1024, 1),
        "limit": limit // (1024 * 1024),
    }


def safe_relative_path(relative) -> str:
    """relative as a clean path inside the export, or RowError: no absolute path, drive,
    backslash, NUL or control character, and no ".." part."""
    if not isinstance(relative, str) or not relative.strip():
        raise RowError(_("An attachment has no path."))
    shown = relative.replace("\x00", "\\0")[:200]
    if any(ord(c) < 32 for c in relative) or "\\" in relative:
        raise RowError(_("The path “%(path)s” is refused.") % {"path": shown})
    if relative.startswith("/") or (len(relative) > 1 and relative[1] == ":"):
        raise RowError(
            _("The path “%(path)s” is absolute: paths are relative to the export.")
            % {"path": shown}
        )
    parts = relative.split("/")
    if ".." in parts:
        raise RowError(_("The path “%(path)s” leads outside the export.") % {"path": shown})
    return posixpath.normpath(relative)


# --- values -----------------------------------------------------------------------------------


def text(data: dict, key: str, *, required: bool = False, limit: int | None = None) -> str:
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str | int):
        raise RowError(_("“%(field)s” must be text.") % {"field": key})
    value = str(value).replace("\x00", "").strip()
    if required and not value:
        raise RowError(_("“%(field)s” is missing.") % {"field": key})
    if limit is not None and len(value) > limit:
        raise RowError(
            _("“%(field)s” is longer than %(limit)s characters.") % {"field": key, "limit": limit}
        )
    return value


def moment(data: dict, key: str, *, required: bool = False) -> dt.datetime | None:
    """An ISO 8601 date and time; without an offset, in the server's time zone."""
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise RowError(_("“%(field)s” is missing.") % {"field": key})
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise RowError(
            _("“%(field)s” is not a date and time (ISO 8601 expected): %(value)s")
            % {"field": key, "value": str(value)[:40]}
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
