"""What ticket estimates and change-request quotes share: the signed single-use link, writing
a new estimate (with its optional document) and emailing it to the client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from core.files import validate_upload
from notifications import mail

from .errors import BillingError, EstimateClosed
from .models import Estimate

LINK_SALT = "billing.estimate-link"


def link_days() -> int:
    return int(getattr(settings, "BILLING_ESTIMATE_LINK_DAYS", 14))


def estimate_token(estimate: Estimate) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(str(estimate.pk))


def estimate_from_token(token: str) -> Estimate:
    """The estimate a link names; EstimateClosed when forged, expired, used or decided."""
    signer = signing.TimestampSigner(salt=LINK_SALT)
    try:
        pk = int(signer.unsign(token, max_age=dt.timedelta(days=link_days())))
    except signing.SignatureExpired:
        raise EstimateClosed(_("This link has expired: answer from the ticket page.")) from None
    except (signing.BadSignature, ValueError):
        raise EstimateClosed(_("This link is not valid.")) from None
    estimate = Estimate.objects.select_related("ticket", "change_request").filter(pk=pk).first()
    if estimate is None:
        raise EstimateClosed(_("This link is not valid."))
    if estimate.link_used_at is not None or not estimate.is_pending:
        raise EstimateClosed(_("This estimate was already answered (the link works once)."))
    return estimate


def build_estimate(
    *,
    actor: User,
    description: str,
    amount: Decimal | None,
    hours: Decimal | None,
    document=None,
    ticket=None,
    change_request=None,
) -> Estimate:
    """Check and write a new pending estimate (the caller replaced the previous one)."""
    if amount is None and hours is None:
        raise BillingError(_("Give an amount or a number of hours."))
    if not description.strip():
        raise BillingError(_("Describe what the estimate covers."))
    estimate = Estimate(
        ticket=ticket,
        change_request=change_request,
        amount=amount,
        hours=hours,
        description=description.strip(),
        sent_by=actor,
    )
    if document is not None:
        try:
            info = validate_upload(document)
        except ValidationError as exc:
            raise BillingError(" ".join(exc.messages)) from None
        estimate.document_name = info.filename
        estimate.document_type = info.content_type
        estimate.document.save(info.filename, document, save=False)
    estimate.save()
    return estimate


def send_estimate_email(pk: int) -> None:
    """Email the estimate's single-use link to the ticket's (or the request's) requester."""
    estimate = Estimate.objects.select_related(
        "ticket__requester", "change_request__requester"
    ).get(pk=pk)
    cr = estimate.change_request
    requester = cr.requester if cr else estimate.ticket.requester
    if requester is None or not requester.email:
        return
    context = {
        "estimate": estimate,
        "ticket": estimate.ticket,
        "cr": cr,
        "link": mail.absolute_url(
            reverse("billing:estimate-link", args=[estimate_token(estimate)])
        ),
        "url": mail.absolute_url(estimate.subject_url),
        "days": link_days(),
    }
    mail.send(
        "billing_estimate",
        to=requester.email,
        context=context,
        language=requester.language or settings.LANGUAGE_CODE,
        kind="billing_estimate",
        ticket_number=estimate.ticket.number if estimate.ticket_id else None,
        key=f"estimate-{estimate.pk}",
    )
