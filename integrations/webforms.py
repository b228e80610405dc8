"""Web forms for clients' websites (seed 003): made by admins, shown in an iframe by the sites
they list, filing tickets as an email would.

- The address typed is written by whoever fills the form: it proves nothing (as a From: header,
  intake.trust). A request in the name of a known client contact is held (WebFormSubmission)
  until that person confirms it through a single-use link emailed to the address, valid
  CONFIRM_DAYS; only then is the ticket filed in their name. An unknown address, or a staff
  member's (a link proves someone reads the mailbox, not who they are), gives an unidentified
  ticket ("non identifié") for an agent to link. At most CONFIRMATIONS_PER_HOUR links a
  contact's address receives: a stranger cannot flood their mailbox.
- The ticket's creation mails the confirmation with the ticket's number and link, through the
  outbox (tickets.notify: ticket_created), as for any new ticket.
- Spam: a honeypot field people never see (a filled one is thanked and dropped), and at most
  SUBMISSIONS_PER_HOUR per form and address (core.ratelimit, shared by every worker).
- Framing: only the form's pages answer with frame-ancestors naming the form's origins; every
  other page keeps frame-ancestors 'none' and X-Frame-Options DENY (settings).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import ratelimit
from notifications import mail
from tickets import services as ticket_services
from tickets.models import Ticket

from . import access
from .errors import IntegrationError
from .models import WebForm, WebFormSubmission

SUBMISSIONS_PER_HOUR = 10
CONFIRMATIONS_PER_HOUR = 3
CONFIRM_DAYS = 3
KEEP_DAYS = 7
ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$", re.IGNORECASE)


def clean_origins(text: str) -> tuple[list[str], list[str]]:
    """(origins, refused lines): scheme://host[:port], no path, no wildcard."""
    good, bad = [], []
    for line in (text or "").splitlines():
        line = line.strip().rstrip("/")
        if not line:
            continue
        (good if ORIGIN.match(line) else bad).append(line)
    return list(dict.fromkeys(good)), bad


@transaction.atomic
def save_web_form(*, form: WebForm | None, **values) -> WebForm:
    """Create (form None) or change a web form; the caller checked access.can_manage_web_forms."""
    if form is None:
        form = WebForm(public_id=uuid.uuid4())
    for name, value in values.items():
        setattr(form, name, value)
    form.save()
    return form


def may_submit(form: WebForm, client_ip: str) -> bool:
    """Count a submission; False past SUBMISSIONS_PER_HOUR from this address for this form."""
    count = ratelimit.hit("webform", f"{form.public_id}:{client_ip}", 3600)
    return count.count <= SUBMISSIONS_PER_HOUR


def find_contact(email: str) -> User | None:
    if not email:
        return None
    return User.objects.filter(email__iexact=email, is_active=True).order_by("pk").first()


def _file(*, form: WebForm, sender, email, name, title, description, type, criticality, data):
    text = description or ""
    if name and sender is None:
        text = _("From: %(name)s") % {"name": name} + "\n\n" + text
    ticket, _event = ticket_services.create_ticket_from_email(
        sender=sender,
        contact_email=email,
        title=title,
        description=text,
        type=type or form.default_type,
        channel=Ticket.Channel.WEB,
        criticality=criticality,
        data={"web_form": form.pk, **data},
    )
    return ticket


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def submit(
    *,
    form: WebForm,
    email: str,
    name: str,
    title: str,
    description: str,
    type=None,
    criticality: str = "",
) -> Ticket | None:
    """File the ticket of a submission (channel web), or hold it for the confirmation of the
    known contact whose address was typed (None: held, or dropped past the hourly limit)."""
    contact = find_contact(email)
    if not access.web_form_may_speak_as(contact):
        return _file(
            form=form, sender=None, email=email, name=name, title=title,
            description=description, type=type, criticality=criticality, data={},
        )  # fmt: skip
    if ratelimit.hit("webform-confirm", email.lower(), 3600).count > CONFIRMATIONS_PER_HOUR:
        return None  # the visitor sees the same page: nothing tells them the address is known
    token = secrets.token_urlsafe(32)
    held = WebFormSubmission.objects.create(
        form=form,
        email=contact.email,
        name=name,
        title=title,
        description=description,
        type=type,
        criticality=criticality,
        token_digest=_digest(token),
    )
    transaction.on_commit(partial(_send_confirmation, held.pk, token))
    return None


def _send_confirmation(pk: int, token: str) -> None:
    held = WebFormSubmission.objects.select_related("form").get(pk=pk)
    contact = find_contact(held.email)
    mail.send(
        "web_form_confirm",
        to=held.email,
        context={
            "submission": held,
            "link": mail.absolute_url(reverse("integrations:web-form-confirm", args=[token])),
            "days": CONFIRM_DAYS,
        },
        language=contact.language if contact else None,
        key=f"web-form-confirm-{held.pk}",
    )


def held_submission(token: str) -> WebFormSubmission | None:
    """The request of a confirmation link, or None (unknown token)."""
    if not token or len(token) > 100:
        return None
    return (
        WebFormSubmission.objects.select_related("form").filter(token_digest=_digest(token)).first()
    )


@transaction.atomic
def confirm_submission(*, token: str) -> int:
    """The person who received the link confirms: the ticket is filed in their name (if they
    are still a client contact; unidentified otherwise). Single-use: a second confirmation
    answers the same ticket number. Raises IntegrationError past CONFIRM_DAYS."""
    held = held_submission(token)
    if held is None:
        raise IntegrationError(_("This link is not valid."))
    held = WebFormSubmission.objects.select_for_update().select_related("form").get(pk=held.pk)
    if held.ticket_number is not None:
        return held.ticket_number
    if timezone.now() - held.created_at > dt.timedelta(days=CONFIRM_DAYS):
        raise IntegrationError(_("This link has expired: send your request again."))
    contact = find_contact(held.email)
    speaks = access.web_form_may_speak_as(contact)
    ticket = _file(
        form=held.form, sender=contact if speaks else None, email=held.email, name=held.name,
        title=held.title, description=held.description, type=held.type,
        criticality=held.criticality, data={"verified_by": "web_form_link"} if speaks else {},
    )  # fmt: skip
    held.confirmed_at, held.ticket_number = timezone.now(), ticket.number
    held.description = ""  # the ticket holds it now
    held.save(update_fields=["confirmed_at", "ticket_number", "description"])
    return ticket.number


def purge_submissions(*, now: dt.datetime | None = None) -> int:
    """Requests never confirmed, and used links, past KEEP_DAYS."""
    since = (now or timezone.now()) - dt.timedelta(days=KEEP_DAYS)
    deleted, _by_model = WebFormSubmission.objects.filter(created_at__lt=since).delete()
    return deleted
