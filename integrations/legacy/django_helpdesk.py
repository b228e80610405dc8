"""Converter from django-helpdesk (github.com/django-helpdesk/django-helpdesk) to our export
format: `manage.py dumpdata auth.user helpdesk --indent 2 > dump.json` on the old server, and
its MEDIA_ROOT folder for the attachments.

Read from the dump: auth.user (people), helpdesk.ticket, helpdesk.followup and
helpdesk.followupattachment (helpdesk.attachment in versions before 0.3). Everything else is
ignored (queues, KB items, CCs, custom fields, saved searches). Mapping:
- status 1 Open -> "new" (or "open" when assigned), 2 Reopened -> "open", 3 Resolved ->
  "resolved", 4 Closed -> "closed", 5 Duplicate -> "cancelled"; on hold -> "waiting_third_party";
- priority 1 Critical -> "urgente", 2 High -> "haute", 3 Normal -> "normale", 4 Low and 5 Very
  low -> "basse" (our codes; change PRIORITIES if yours differ);
- a public follow-up is a reply, a private one an internal note; its author is its user, else
  the ticket's submitter (django-helpdesk records client emails without a user);
- the "Ticket Opened" follow-up that repeats the description is not repeated: its
  attachments become the ticket's own;
- a follow-up without text (a bare status change) becomes an internal note of its title.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

from django.utils.translation import gettext as _

from .format import FORMAT_NAME, FORMAT_VERSION, ExportUnreadable, RowError, safe_relative_path

SOURCE = "django-helpdesk"
STATUSES = {1: "new", 2: "open", 3: "resolved", 4: "closed", 5: "cancelled"}
PRIORITIES = {1: "urgente", 2: "haute", 3: "normale", 4: "basse", 5: "basse"}
ATTACHMENT_MODELS = ("helpdesk.followupattachment", "helpdesk.attachment")
ATTACHMENTS_DIR = "attachments"


def convert(dump_path, media_root, out_dir, *, source: str = SOURCE) -> dict[str, int]:
    """Write the export of a django-helpdesk dump into out_dir (created), copying the files it
    names from media_root. Returns how many rows of each file were written."""
    try:
        with open(dump_path, encoding="utf-8-sig") as handle:
            objects = json.load(handle)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ExportUnreadable(_("The dump cannot be read: %(error)s") % {"error": exc}) from None
    if not isinstance(objects, list):
        raise ExportUnreadable(_("The dump is not a list of objects (manage.py dumpdata)."))
    by_model: dict[str, list[dict]] = defaultdict(list)
    for obj in objects:
        if isinstance(obj, dict) and isinstance(obj.get("fields"), dict):
            by_model[str(obj.get("model", "")).lower()].append(obj)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    media = Path(media_root).resolve() if media_root else None
    emails = {u["pk"]: (u["fields"].get("email") or "").strip() for u in by_model["auth.user"]}

    files_of: dict[object, list[dict]] = defaultdict(list)
    for model in ATTACHMENT_MODELS:
        for obj in by_model[model]:
            fields = obj["fields"]
            item = _attachment(fields, media, out)
            if item is not None:
                files_of[fields.get("followup")].append(item)

    people = [
        {
            "email": emails[u["pk"]],
            "first_name": u["fields"].get("first_name", ""),
            "last_name": u["fields"].get("last_name", ""),
        }
        for u in by_model["auth.user"]
        if emails.get(u["pk"])
    ]

    followups: dict[object, list[dict]] = defaultdict(list)
    for obj in by_model["helpdesk.followup"]:
        followups[obj["fields"].get("ticket")].append(obj)

    tickets, entries = [], []
    for obj in sorted(by_model["helpdesk.ticket"], key=lambda o: _key(o["pk"])):
        fields = obj["fields"]
        description = fields.get("description") or ""
        submitter = (fields.get("submitter_email") or "").strip()
        status = STATUSES.get(fields.get("status"), str(fields.get("status")))
        if status == "new" and fields.get("assigned_to"):
            status = "open"
        if fields.get("on_hold") and status in ("new", "open"):
            status = "waiting_third_party"
        ticket = {
            "id": str(obj["pk"]),
            "title": fields.get("title") or "",
            "description": description,
            "status": status,
            "priority": PRIORITIES.get(fields.get("priority"), ""),
            "requester": submitter,
            "assignee": emails.get(fields.get("assigned_to"), ""),
            "created_at": fields.get("created"),
            "updated_at": fields.get("modified"),
            "attachments": [],
        }
        ordered = sorted(
            followups[obj["pk"]], key=lambda o: (o["fields"].get("date") or "", _key(o["pk"]))
        )
        for index, follow in enumerate(ordered):
            f = follow["fields"]
            comment = (f.get("comment") or "").strip()
            attached = files_of.get(follow["pk"], [])
            if index == 0 and comment == description.strip():
                ticket["attachments"] += attached  # "Ticket Opened": the description again
                continue
            author = emails.get(f.get("user"), "") if f.get("user") else submitter
            public = bool(f.get("public"))
            entries.append(
                {
                    "id": str(follow["pk"]),
                    "ticket": str(obj["pk"]),
                    "kind": "reply" if public and comment else "note",
                    "author": author,
                    "created_at": f.get("date"),
                    "body": comment or (f.get("title") or ""),
                    "attachments": attached,
                }
            )
        tickets.append(ticket)

    manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "source": source}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    written = {}
    for name, rows in (("people", people), ("tickets", tickets), ("entries", entries)):
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        written[name] = len(rows)
    return written


def _key(pk):
    return (0, pk, "") if isinstance(pk, int) else (1, 0, str(pk))


def _attachment(fields: dict, media: Path | None, out: Path) -> dict | None:
    """The export's entry for one attachment; its file is copied into out/attachments/ when
    its path is safe and found under media. An unsafe path is written as it is: the import
    refuses it and reports it on the ticket."""
    name = fields.get("filename") or ""
    path = fields.get("file") or ""
    if not path:
        return None
    try:
        clean = safe_relative_path(path)
    except RowError:
        return {"path": path, "name": name}
    relative = f"{ATTACHMENTS_DIR}/{clean}"
    if media is not None:
        origin = (media / clean).resolve()
        if origin.is_relative_to(media) and origin.is_file():
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, target)
    return {"path": relative, "name": name or Path(clean).name}
