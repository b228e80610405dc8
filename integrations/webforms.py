"""Web forms for clients' websites (seed 003): made by admins, shown in an iframe by the sites
they list, filing tickets as an email would.

- The address typed identifies the contact (an active person with that email, as intake does);
  an unknown one gives an unidentified ticket ("non identifié") for an agent to link.
- The ticket's creation mails the confirmation with the ticket's number and link, through the
  outbox (tickets.notify: ticket_created), as for any new ticket.
- Spam: a honeypot field people never see (a filled one is thanked and dropped), and at most
  SUBMISSIONS_PER_HOUR per form and address (core.ratelimit, shared by every worker).
- Framing: only the form's pages answer with frame-ancestors naming the form's origins; every
  other page keeps frame-ancestors 'none' and X-Frame-Options DENY (settings).
"""

from __future__ import annotations

import re
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import ratelimit
from tickets import services as ticket_services
from tickets.models import Ticket

from .models import WebForm

SUBMISSIONS_PER_HOUR = 10
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


def submit(
    *,
    form: WebForm,
    email: str,
    name: str,
    title: str,
    description: str,
    type=None,
    criticality: str = "",
) -> Ticket:
    """File the ticket of a submission (channel web)."""
    sender = find_contact(email)
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
        data={"web_form": form.pk},
    )
    return ticket
