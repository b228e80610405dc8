"""Import an export of an old helpdesk (format.py) into ours.

- Idempotent: every source row is looked up in ImportedRecord first; a row already imported
  is counted "unchanged" and nothing of ours is written again (a second run writes nothing).
- Resumable: rows are committed a batch at a time, each row's ImportedRecord in the same
  transaction as the rows it made, so a run stopped half-way (killed, crashed) and started
  again skips exactly what was committed.
- Tolerant: a row that cannot be read or imported (bad JSON, a missing field, an unknown
  status, a ticket that was not imported) is rolled back alone (a savepoint), reported with
  its file, line, id and reason, and skipped. A refused attachment is reported and shown on
  its ticket's timeline ("Attachment not imported"); the reply or note is kept.
- Silent: tickets and events are written directly, with their original dates and authors;
  nothing is published, so no notification, outbox email or webhook is queued. Imported
  tickets have no SLA due dates and no waiting-since stamp (no overdue flag, no auto-close).
- Authors are matched by email to our people; a person of people.jsonl we do not know is
  created inactive, without password or role (an admin activates them). An author we do not
  know at all is kept by name and address on the timeline, and an unknown requester becomes
  the ticket's contact address, as email from an unknown sender does.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.files import max_upload_bytes, original_filename, store_file, validate_upload
from tickets import caching as ticket_caching
from tickets import sla
from tickets.models import Attachment, Event, Priority, Status, Ticket, TicketAssignee
from tickets.services.numbering import next_ticket_number

from .format import FILES, ExportSource, Line, RowError, moment, text
from .models import ImportedRecord

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
Kind = ImportedRecord.Kind


@dataclass
class Problem:
    file: str
    line: int
    id: str
    reason: str
    # False: the row was imported, one of its attachments was refused.
    skipped: bool = True

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "id": self.id,
            "reason": self.reason,
            "skipped": self.skipped,
        }


@dataclass
class Report:
    source: str
    rows_total: int = 0
    rows_done: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> None:
        per_kind = self.counts.setdefault(kind, {"created": 0, "unchanged": 0, "skipped": 0})
        per_kind[outcome] += 1

    @property
    def created(self) -> int:
        return sum(c["created"] for c in self.counts.values())


def before_row(kind: str, line: Line) -> None:
    """Called before each row, outside its savepoint (tests stop a run here, as a crash)."""


def import_export(
    source: ExportSource,
    *,
    batch_size: int | None = None,
    progress: Callable[[Report], None] | None = None,
) -> Report:
    """Import every file of source in order; progress(report) is called after each committed
    batch. Raises only what a crash would (the database gone, the process stopped)."""
    return _Run(source, batch_size or BATCH_SIZE, progress).run()


class _Run:
    def __init__(self, source: ExportSource, batch_size: int, progress):
        self.source = source
        self.batch_size = max(1, batch_size)
        self.progress = progress
        self.report = Report(source=source.source)
        self.mapped: dict[tuple[str, str], int] = {}
        self.pending: dict[tuple[str, str], int] = {}
        self.users: dict[str, int | None] = {}
        self.pending_users: dict[str, int | None] = {}
        self.tickets: dict[int, dict] = {}
        self.records: list[ImportedRecord] = []
        self.file_limit = max_upload_bytes()
        self.handlers = {
            Kind.ORGANIZATION: self.organization,
            Kind.PERSON: self.person,
            Kind.TICKET: self.ticket,
            Kind.ENTRY: self.entry,
        }

    # --- the loop ---------------------------------------------------------------------------

    def run(self) -> Report:
        self.report.rows_total = self.source.count_lines()
        records = ImportedRecord.objects.filter(source=self.source.source)
        for kind, source_id, object_id in records.values_list("kind", "source_id", "object_id"):
            self.mapped[(kind, source_id)] = object_id
        self.statuses = list(Status.objects.order_by("order", "id"))
        self.priorities = list(Priority.objects.order_by("order", "id"))
        self.calendar = sla.load_calendar()
        for kind, name in FILES:
            lines = self.source.lines(name)
            while batch := list(islice(lines, self.batch_size)):
                created_before = self.report.created
                with transaction.atomic():
                    self.records = []
                    for line in batch:
                        before_row(kind, line)
                        self.row(kind, line)
                    # The batch's mappings, committed with the rows they map.
                    ImportedRecord.objects.bulk_create(self.records)
                if self.report.created != created_before:
                    ticket_caching.tickets_changed()
                if self.progress is not None:
                    self.progress(self.report)
        return self.report

    def row(self, kind: str, line: Line) -> None:
        self.report.rows_done += 1
        if line.data is None:
            self.problem(line, "", line.error)
            self.report.count(kind, "skipped")
            return
        source_id = str(line.data.get("email" if kind == Kind.PERSON else "id") or "").strip()
        if kind == Kind.PERSON:
            source_id = source_id.lower()
        if not source_id:
            self.problem(line, "", _("The row has no id."))
            self.report.count(kind, "skipped")
            return
        if (kind, source_id[:254]) in self.mapped:
            self.report.count(kind, "unchanged")
            return
        self.pending, self.pending_users, self.line = {}, {}, line
        try:
            with transaction.atomic():
                object_id = self.handlers[kind](line.data)
                self.remember(kind, source_id[:254], object_id)
        except RowError as exc:
            reason = str(exc)
        except (ValidationError, DatabaseError, ValueError, TypeError) as exc:
            logger.info("legacy import: %s line %s refused: %r", line.file, line.number, exc)
            reason = " ".join(getattr(exc, "messages", [])) or str(exc) or exc.__class__.__name__
        else:
            self.records.append(
                ImportedRecord(
                    source=self.source.source,
                    kind=kind,
                    source_id=source_id[:254],
                    object_id=object_id,
                )
            )
            self.mapped.update(self.pending)
            self.users.update(self.pending_users)
            self.report.count(kind, "created")
            return
        self.tickets.clear()  # facts changed by the rolled-back row
        self.problem(line, source_id, reason)
        self.report.count(kind, "skipped")

    def problem(self, line: Line, source_id: str, reason: str, *, skipped: bool = True) -> None:
        problem = Problem(line.file, line.number, source_id[:100], reason, skipped)
        self.report.problems.append(problem)

    def remember(self, kind: str, source_id: str, object_id: int) -> None:
        self.pending[(kind, source_id)] = object_id

    def lookup(self, kind: str, source_id: str) -> int | None:
        key = (kind, source_id)
        return self.pending.get(key, self.mapped.get(key))

    # --- people -------------------------------------------------------------------------------

    def user_id(self, email: str) -> int | None:
        """Our person with this address (any letter case), or None."""
        email = email.strip().lower()
        if not email:
            return None
        if email in self.pending_users:
            return self.pending_users[email]
        if email not in self.users:
            found = User.objects.filter(email__iexact=email).values_list("pk", flat=True)
            self.users[email] = found.first()
        return self.users[email]

    def author(self, data: dict, key: str) -> tuple[int | None, str]:
        """(our person's id or None, the address as written)."""
        email = text(data, key, limit=254)
        return self.user_id(email), email

    # --- rows ---------------------------------------------------------------------------------

    def organization(self, data: dict) -> int:
        name = text(data, "name", required=True, limit=200)
        email = text(data, "email", limit=254)
        if email:
            validate_email(email)
        same_name = Organization.objects.filter(name__iexact=name).values_list("pk", flat=True)
        same_name = list(same_name[:2])
        if len(same_name) == 1:
            return same_name[0]  # the ERP sync or an admin made it already
        organization = Organization.objects.create(
            name=name,
            email=email,
            phone=text(data, "phone", limit=40),
            city=text(data, "city", limit=100),
        )
        return organization.pk

    def person(self, data: dict) -> int:
        email = text(data, "email", required=True, limit=254)
        validate_email(email)
        existing = self.user_id(email)
        if existing is not None:
            return existing
        organization_id = self.organization_id(data)
        user = User(
            email=email,
            first_name=text(data, "first_name")[:100],
            last_name=text(data, "last_name")[:100],
            organization_id=organization_id,
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
        self.pending_users[email.lower()] = user.pk
        return user.pk

    def organization_id(self, data: dict) -> int | None:
        reference = text(data, "organization")
        if not reference:
            return None
        found = self.lookup(Kind.ORGANIZATION, reference)
        if found is None:
            raise RowError(
                _("The organization “%(id)s” was not imported.") % {"id": reference[:100]}
            )
        return found

    def status(self, value: str) -> Status:
        for status in self.statuses:
            if status.code == value:
                return status
        for status in self.statuses:
            if status.category == value and status.is_active:
                return status
        raise RowError(_("Unknown status “%(value)s”.") % {"value": value[:50]})

    def priority(self, value: str) -> Priority | None:
        if not value:
            return next((p for p in self.priorities if p.is_default and p.is_active), None)
        for priority in self.priorities:
            names = {priority.code, priority.name_fr.lower(), priority.name_en.lower()}
            if value.lower() in names:
                return priority
        raise RowError(_("Unknown priority “%(value)s”.") % {"value": value[:50]})

    def ticket(self, data: dict) -> int:
        title = text(data, "title", required=True)[:200]
        status = self.status(text(data, "status", required=True))
        priority = self.priority(text(data, "priority"))
        created_at = moment(data, "created_at", required=True)
        updated_at = max(moment(data, "updated_at") or created_at, created_at)
        closed_at = moment(data, "closed_at") or updated_at
        channel = text(data, "channel") or Ticket.Channel.EMAIL
        if channel not in Ticket.Channel.values:
            raise RowError(_("Unknown channel “%(value)s”.") % {"value": channel[:20]})
        requester_id, requester_email = self.author(data, "requester")
        organization_id = self.organization_id(data)
        if organization_id is None and requester_id is not None:
            organization_id = User.objects.filter(pk=requester_id).values_list(
                "organization_id", flat=True
            )[0]
        contact_email = ""
        if requester_id is None and requester_email:
            try:
                validate_email(requester_email)
                contact_email = requester_email
            except ValidationError:
                pass
        ticket = Ticket(
            number=next_ticket_number(),
            title=title,
            description=text(data, "description"),
            status=status,
            priority=priority,
            organization_id=organization_id,
            requester_id=requester_id,
            reporter_id=requester_id,
            contact_email=contact_email,
            channel=channel,
            created_at=created_at,
            last_activity_at=updated_at,
            last_activity_by_id=requester_id,
        )
        if status.is_final:
            ticket.resolved_at = closed_at
            ticket.resolution_seconds = self.seconds(created_at, closed_at)
            if status.is_closed:
                ticket.closed_at = closed_at
        assignee_id, _email = self.author(data, "assignee")
        ticket.is_assigned = assignee_id is not None
        ticket.save()
        if assignee_id is not None:
            TicketAssignee.objects.create(ticket=ticket, user_id=assignee_id)
        event = Event(
            ticket=ticket,
            kind=Event.Kind.CREATED,
            action_type=Event.ActionType.QUESTION,
            actor_id=requester_id,
            action_at=created_at,
            created_at=created_at,
            data=self.event_data(data, requester_id, requester_email, channel=channel),
        )
        event.save()
        self.attach(data, ticket, event, requester_id, created_at)
        return ticket.pk

    def entry(self, data: dict) -> int:
        reference = text(data, "ticket", required=True)
        ticket_id = self.lookup(Kind.TICKET, reference)
        if ticket_id is None:
            raise RowError(_("The ticket “%(id)s” was not imported.") % {"id": reference[:100]})
        kind = text(data, "kind", required=True)
        if kind not in ("reply", "note"):
            raise RowError(
                _("“kind” must be “reply” or “note”, not “%(value)s”.") % {"value": kind[:20]}
            )
        at = moment(data, "created_at", required=True)
        body = text(data, "body")
        if not body and not data.get("attachments"):
            raise RowError(_("The entry has neither text nor attachments."))
        author_id, author_email = self.author(data, "author")
        ticket = self.ticket_facts(ticket_id)
        by_requester = author_id is not None and author_id == ticket["requester_id"]
        by_requester = by_requester or (
            author_id is None and author_email.lower() == ticket["contact_email"].lower()
        )
        is_note = kind == "note"
        if is_note:
            action_type = Event.ActionType.INFORMATION
        else:
            action_type = Event.ActionType.QUESTION if by_requester else Event.ActionType.ANSWER
        event = Event(
            ticket_id=ticket_id,
            kind=Event.Kind.NOTE if is_note else Event.Kind.REPLY,
            action_type=action_type,
            actor_id=author_id,
            action_at=at,
            created_at=at,
            body=body,
            is_internal=is_note,
            data=self.event_data(data, author_id, author_email),
        )
        event.save()
        holder = Ticket(pk=ticket_id)
        self.attach(data, holder, event, author_id, at)
        changes = {}
        if at > ticket["last_activity_at"]:
            changes.update(last_activity_at=at, last_activity_by_id=author_id)
        first = ticket["first_response_at"]
        if not is_note and not by_requester and (first is None or at < first):
            changes.update(
                first_response_at=at, first_response_seconds=self.seconds(ticket["created_at"], at)
            )
        if changes:
            Ticket.objects.filter(pk=ticket_id).update(**changes)
            ticket.update(changes)
        return event.pk

    # --- helpers ------------------------------------------------------------------------------

    def ticket_facts(self, ticket_id: int) -> dict:
        if ticket_id not in self.tickets:
            if len(self.tickets) > 5000:
                self.tickets.clear()
            self.tickets[ticket_id] = (
                Ticket.objects.filter(pk=ticket_id)
                .values(
                    "created_at",
                    "requester_id",
                    "contact_email",
                    "first_response_at",
                    "last_activity_at",
                )
                .get()
            )
        return self.tickets[ticket_id]

    def seconds(self, start: dt.datetime, end: dt.datetime) -> int:
        return max(0, sla.business_seconds_between(start, end, self.calendar))

    def event_data(self, data: dict, actor_id, email: str, **extra) -> dict:
        """What the timeline shows of an import: where it came from, and the author's name and
        address when they are nobody of ours."""
        result = {**extra, "imported": {"source": self.source.source, "id": str(data["id"])[:100]}}
        if actor_id is None and email:
            name = text(data, "author_name")[:150]
            result["author"] = f"{name} <{email[:254]}>" if name else email[:254]
        return result

    def attach(self, data: dict, ticket: Ticket, event: Event, actor_id, at) -> None:
        """Store the row's attachments through the checks of every upload; a refused one is
        reported and listed on the event, the others are kept."""
        items = data.get("attachments") or []
        if not isinstance(items, list):
            raise RowError(_("“attachments” must be a list."))
        refused = []
        for item in items:
            if isinstance(item, str):
                item = {"path": item}
            if not isinstance(item, dict):
                raise RowError(_("An attachment must be an object with a path."))
            path = item.get("path")
            name = item.get("name") or os.path.basename(str(path or ""))
            shown = original_filename(str(name), default="file")
            try:
                content = ContentFile(self.source.read_file(path, self.file_limit), name=str(name))
                info = validate_upload(content)
            except (RowError, ValidationError) as exc:
                reason = " ".join(getattr(exc, "messages", [])) or str(exc)
                refused.append({"name": shown, "size": 0, "reason": reason})
                message = _("Attachment “%(name)s” not imported: %(reason)s")
                message %= {"name": shown, "reason": reason}
                self.problem(self.line, str(data.get("id")), message, skipped=False)
                continue
            attachment = Attachment(
                ticket=ticket,
                event=event,
                filename=info.filename,
                content_type=info.content_type,
                size=info.size,
                is_image=info.is_image,
                uploaded_by_id=actor_id,
                created_at=at,
            )
            store_file(attachment, content, info, thumbnail=True)
        if refused:
            event.data["refused_attachments"] = refused
            event.save(update_fields=["data"])
