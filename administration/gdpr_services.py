"""GDPR verbs for admins: export everything held about a person (in the background), anonymise a
person, and the retention job that anonymises the client data of tickets closed long ago.

Each app's part (a gdpr.py, found by core.privacy.parts()) exports and anonymises its own rows;
this module runs them in order, in one transaction for an anonymisation, and writes the audit
entries ("gdpr_export", "gdpr_export_downloaded", "gdpr_anonymised", "gdpr_retention").
Only admins (administration.access.can_run_gdpr) may call the verbs taking an actor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from functools import partial

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import emails, roles
from accounts.errors import AccountError
from accounts.models import User
from core import audit
from core.privacy import ANONYMOUS_DOMAIN, Archive, Options, Person, parts
from tickets.models import Ticket

from . import access
from .models import GdprExport

logger = logging.getLogger(__name__)


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@" + ANONYMOUS_DOMAIN)


# --- export ------------------------------------------------------------------------------------


@transaction.atomic
def request_export(*, actor: User, person: User) -> GdprExport:
    """An admin asks for everything held about person; the ZIP is prepared by a Celery task
    queued after commit, and the admin is emailed a download link when it is ready."""
    if not access.can_run_gdpr(actor):
        raise PermissionDenied
    export = GdprExport.objects.create(person=person, requested_by=actor)
    audit.record(person, "gdpr_export", extra={"export": export.pk})
    from . import tasks  # tasks import this module: the one call the other way round

    transaction.on_commit(partial(tasks.prepare_gdpr_export.delay, export.pk))
    return export


def record_download(*, actor: User, export: GdprExport) -> None:
    """The admin downloads the ZIP: an audit entry says who, when and from which address (the
    request's, through the audit middleware), about the person whose data left the helpdesk."""
    if not access.can_run_gdpr(actor):
        raise PermissionDenied
    audit.record(
        export.person or export, "gdpr_export_downloaded", actor=actor, extra={"export": export.pk}
    )


def build_export(export_id: int) -> GdprExport | None:
    """Write the ZIP of an export, part after part, saving the progress as it goes. Idempotent:
    an export already finished is left alone."""
    export = GdprExport.objects.select_related("person", "requested_by").filter(pk=export_id)
    export = export.first()
    if export is None or export.is_done or export.person is None:
        return export
    GdprExport.objects.filter(pk=export.pk).update(state=GdprExport.State.RUNNING, progress=1)
    person = Person.of_user(export.person)
    found = parts()
    try:
        with tempfile.TemporaryFile() as scratch:
            archive = Archive(scratch)
            archive.add_json(
                "README.json",
                {
                    "about": person.email,
                    "prepared_at": timezone.now().isoformat(),
                    "parts": [label for label, _module in found],
                },
            )
            for done, (_label, module) in enumerate(found, start=1):
                module.export_person(person, archive)
                progress = max(1, min(99, round(100 * done / len(found))))
                GdprExport.objects.filter(pk=export.pk).update(progress=progress)
            archive.close()
            scratch.seek(0)
            export.file.save(f"export-{export.pk}.zip", File(scratch), save=False)
    except Exception as error:
        logger.exception("GDPR export %s failed", export.pk)
        GdprExport.objects.filter(pk=export.pk).update(
            state=GdprExport.State.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    export.state = GdprExport.State.READY
    export.progress = 100
    export.size = export.file.size
    export.finished_at = now
    export.expires_at = now + dt.timedelta(hours=settings.GDPR_EXPORT_KEEP_HOURS)
    export.save(update_fields=["state", "progress", "file", "size", "finished_at", "expires_at"])
    if export.requested_by is not None:
        url = settings.HELPDESK_BASE_URL.rstrip("/") + reverse(
            "administration:gdpr-export-download", args=[export.pk]
        )
        emails.send_to_user(
            export.requested_by,
            "gdpr_export_ready",
            {"url": url, "person": export.person, "expires_at": export.expires_at},
        )
    return export


def purge_expired_exports() -> int:
    """Delete the files of exports past their date (the periodic job)."""
    count = 0
    expired = GdprExport.objects.filter(
        state=GdprExport.State.READY, expires_at__lte=timezone.now()
    )
    for export in expired:
        export.file.delete(save=False)
        GdprExport.objects.filter(pk=export.pk).update(
            state=GdprExport.State.EXPIRED, file="", size=0
        )
        count += 1
    return count


# --- anonymisation -----------------------------------------------------------------------------


def _anonymise(person: Person, options: Options) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _label, module in parts():
        counts.update(module.anonymise_person(person, options) or {})
    return counts


@transaction.atomic
def anonymise_person(
    *, actor: User, person: User, words: str = "keep", remove_attachments: bool = False
) -> dict[str, int]:
    """An admin anonymises person: name, email and phone replaced everywhere, their words kept
    (scrubbed of their name) or blanked, their files removed on request, their account closed.
    Tickets, numbers, statuses and dates stay. One audit entry with what was done."""
    if not access.can_run_gdpr(actor):
        raise PermissionDenied
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.pk == actor.pk:
        raise AccountError(_("You cannot anonymise yourself."))
    if is_anonymised(person):
        raise AccountError(_("This person is already anonymised."))
    if words not in ("keep", "blank"):
        raise AccountError(_("Choose whether their words are kept or blanked."))
    options = Options(words=words, remove_attachments=remove_attachments)
    alias_email = Person.of_user(person).alias_email
    counts = _anonymise(Person.of_user(person), options)
    person.refresh_from_db()  # the entry names the anonymous person, not the one they were
    audit.record(
        person,
        "gdpr_anonymised",
        changes={
            "name": ["(redacted)", "Anonyme"],
            "email": ["(redacted)", alias_email],
            "words": [None, words],
            "files_removed": [None, remove_attachments],
        },
        extra={"counts": counts},
    )
    return counts


# --- retention ---------------------------------------------------------------------------------


@dataclass
class RetentionPlan:
    cutoff: dt.datetime | None
    people: list[User] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.people and not self.addresses


def retention_plan(*, now: dt.datetime | None = None, limit: int = 500) -> RetentionPlan:
    """What the retention job would anonymise (GDPR_RETENTION_MONTHS; 0 means never): client
    users whose tickets are all closed since before the cutoff and who have not logged in
    since, and the addresses of unknown senders of tickets closed before the cutoff."""
    months = settings.GDPR_RETENTION_MONTHS
    if months <= 0:
        return RetentionPlan(cutoff=None)
    cutoff = (now or timezone.now()) - relativedelta(months=months)
    customers = Q(user_roles__role__code__in=roles.CUSTOMER_ROLES)
    recent = Ticket.objects.filter(requester=OuterRef("pk")).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=cutoff)
    )
    old = Ticket.objects.filter(requester=OuterRef("pk"), closed_at__lt=cutoff)
    people = (
        User.objects.filter(customers)
        .filter(Exists(old), ~Exists(recent))
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        .exclude(email__endswith="@" + ANONYMOUS_DOMAIN)
        .distinct()
        .order_by("pk")[:limit]
    )
    open_from = Ticket.objects.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=cutoff),
        contact_email=OuterRef("contact_email"),
    )
    addresses = (
        Ticket.objects.filter(closed_at__lt=cutoff)
        .exclude(contact_email="")
        .exclude(contact_email__endswith="@" + ANONYMOUS_DOMAIN)
        .filter(~Exists(open_from))
        .order_by("contact_email")
        .values_list("contact_email", flat=True)
        .distinct()[:limit]
    )
    return RetentionPlan(cutoff=cutoff, people=list(people), addresses=list(addresses))


def apply_retention(*, now: dt.datetime | None = None) -> RetentionPlan:
    """The periodic job: anonymise (words kept) what retention_plan() lists, each person in
    their own transaction, with one audit entry each."""
    plan = retention_plan(now=now)
    for user in plan.people:
        with transaction.atomic():
            counts = _anonymise(Person.of_user(user), Options())
            user.refresh_from_db()
            audit.record(user, "gdpr_retention", extra={"counts": counts})
    for address in plan.addresses:
        with transaction.atomic():
            key = hashlib.sha256(address.lower().encode()).hexdigest()[:10]
            person = Person(email=address, key=key)
            counts = _anonymise(person, Options())
            ticket = Ticket.objects.filter(contact_email=person.alias_email).first()
            if ticket is not None:
                audit.record(ticket, "gdpr_retention", extra={"counts": counts})
    return plan
