"""GDPR part of the administration area (core.privacy): the audit entries about the person or
made by them (their login history among them). Anonymising scrubs their name and email from
those entries' texts and diffs: the entries stay (who did what, when), the person is no longer
named. Runs after the other parts, before accounts."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from core.privacy import Archive, Options, Person, stamp

ORDER = 80
CHUNK = 500


def _entries(person: Person):
    if person.user is None:
        return LogEntry.objects.none()
    user = person.user
    about = Q(content_type=ContentType.objects.get_for_model(user), object_pk=str(user.pk))
    return LogEntry.objects.filter(about | Q(actor=user))


def export_person(person: Person, archive: Archive) -> None:
    rows = []
    logins = []
    entries = _entries(person).select_related("content_type").order_by("timestamp", "id")
    for entry in entries.iterator(CHUNK):
        action = (entry.additional_data or {}).get("action") or entry.get_action_display()
        about_them = _about(entry, person)
        row = {
            "at": stamp(entry.timestamp),
            "action": action,
            # What they did to others is theirs; who those others are is not.
            "object_type": entry.content_type.model,
            "about_you": about_them,
            "ip": entry.remote_addr,
        }
        if action == "login":
            logins.append({"at": row["at"], "ip": row["ip"]})
        else:
            row["changes"] = entry.changes if about_them else None
            rows.append(row)
    archive.add_json("audit/login_history.json", logins)
    archive.add_json("audit/entries.json", rows)


def _about(entry, person) -> bool:
    user_type = ContentType.objects.get_for_model(person.user)  # cached by Django
    return entry.object_pk == str(person.user.pk) and entry.content_type_id == user_type.pk


def anonymise_person(person: Person, options: Options) -> dict[str, int]:
    count = 0
    for entry in _entries(person).iterator(CHUNK):
        entry.object_repr = person.scrub(entry.object_repr)
        entry.changes = person.scrub_json(entry.changes) if entry.changes else entry.changes
        entry.changes_text = person.scrub(entry.changes_text)
        if entry.actor_id == person.user.pk:
            entry.actor_email = person.alias_email
        LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=entry.object_repr,
            changes=entry.changes,
            changes_text=entry.changes_text,
            actor_email=entry.actor_email,
        )
        count += 1
    return {"audit_entries_scrubbed": count}
