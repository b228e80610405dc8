"""The quote of a change request (CDC step 3) is a billing Estimate on the request.

Support sends it from the request's quote panel while the specification is open (the
workflow's "save_analysis" action); it is emailed with the single-use link when the request
reaches the client's decision step (step 5). Accepting it is the client's validation (the
request moves to development), refusing it cancels the request with the reason, exactly as
the decision tab does; a decision taken in that tab settles the pending quote the same way
(cdc.hooks calls on_step). The ticket of the request, when there is one, keeps its status:
the request's workflow is the one that moves.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cdc import services as cdc_services
from cdc.errors import ChangeRequestError
from cdc.models import ChangeRequest
from cdc.workflow import State
from core import locking

from . import access, estimates
from .errors import BillingError
from .models import Estimate


def pending_quote(cr: ChangeRequest) -> Estimate | None:
    return Estimate.objects.filter(change_request=cr, state=Estimate.State.SENT).first()


@transaction.atomic
def send_quote(
    *,
    actor: User,
    cr: ChangeRequest,
    description: str,
    amount: Decimal | None = None,
    hours: Decimal | None = None,
    document=None,
) -> Estimate:
    """Support sends the request's quote during the analysis; a pending one is replaced. The
    client is emailed when the request reaches the decision step."""
    cr = locking.lock(cr)
    if not access.can_send_quote(actor, cr):
        raise PermissionDenied
    Estimate.objects.filter(change_request=cr, state=Estimate.State.SENT).update(
        state=Estimate.State.REPLACED
    )
    return estimates.build_estimate(
        actor=actor,
        ticket=cr.ticket,
        change_request=cr,
        description=description,
        amount=amount,
        hours=hours,
        document=document,
    )


def decide_request(actor: User, estimate: Estimate, *, accept: bool, reason: str = "") -> None:
    """The answer to a quote is the request's decision (estimate already saved as answered)."""
    comment = _("Quote accepted.") if accept else reason
    try:
        cdc_services.decide(
            actor=actor, cr=estimate.change_request, validate=accept, comment=comment
        )
    except ChangeRequestError as exc:
        raise BillingError(str(exc)) from None


def on_step(*, actor, cr, action, from_state, to_state, comment) -> None:
    """cdc.hooks listener: email the pending quote when the request reaches the client's
    decision; settle it when the client decided in the decision tab."""
    if to_state == State.CLIENT_DECISION:
        estimate = pending_quote(cr)
        if estimate is not None:
            transaction.on_commit(partial(estimates.send_estimate_email, estimate.pk), robust=True)
        return
    if from_state != State.CLIENT_DECISION:
        return
    estimate = (
        Estimate.objects.select_for_update()
        .filter(change_request=cr, state=Estimate.State.SENT)
        .first()
    )
    if estimate is None:
        return  # answered from the quote panel or the link: already settled
    estimate.decided_by = actor
    estimate.decided_at = timezone.now()
    if to_state == State.DEVELOPMENT:
        estimate.state = Estimate.State.ACCEPTED
    else:
        estimate.state = Estimate.State.REFUSED
        estimate.refusal_reason = comment or _("The request was cancelled.")
    estimate.save(update_fields=["state", "decided_by", "decided_at", "refusal_reason"])
