"""The prologue every action on one ticket shares, written once.

ticket_action: POST only; fetch the ticket through access (hidden: 404); check the capability
(visible but not allowed: 403). act: validate the form, call the service, show the outcome as a
message and go back to the ticket. act_in_page: the same for actions whose form sits in the
ticket page: a refusal renders the page again with the form as the person filled it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.access import require

from .. import access
from ..errors import StaleVersion, TicketError
from .detail import detail_context


def ticket_action(capability: Callable | None = None):
    """Decorate view(request, ticket): POST only, the ticket fetched for the person (404 when
    hidden), capability(user, ticket) required (403 otherwise)."""

    def decorate(view):
        @require_POST
        @functools.wraps(view)
        def wrapper(request, number):
            ticket = access.get_visible_ticket_or_404(request.user, number)
            if capability is not None:
                require(capability(request.user, ticket))
            return view(request, ticket)

        return wrapper

    return decorate


def _say(done, result) -> str:
    return done(result) if callable(done) else done


# Refusals of what was typed (core.forms): said as they are, whatever the action's own message.
_TEXT_ERRORS = {"unstorable", "max_length"}


def _refusal(form, invalid: str) -> str:
    """What to tell the person whose form was refused: "invalid" (the action's own words for a
    missing choice), unless the form refused the text itself; then the form's messages."""
    errors = [error for field in form.errors.as_data().values() for error in field]
    if invalid and not any(error.code in _TEXT_ERRORS for error in errors):
        return invalid
    return " ".join(message for error in errors for message in error.messages)


def act(request, ticket, form, call, *, done, invalid: str = "", then=None):
    """Run call(cleaned_data) when form (or no form: None) is valid; the refusal (_refusal) or
    the domain error as an error message, "done" (text, or a function of the result) as a
    success one. Redirects to the ticket, or to then(result) after success."""
    if form is not None and not form.is_valid():
        messages.error(request, _refusal(form, invalid))
        return redirect(ticket)
    try:
        result = call(form.cleaned_data if form is not None else {})
    except TicketError as exc:
        messages.error(request, str(exc))
        return redirect(ticket)
    messages.success(request, _say(done, result))
    return redirect(then(result) if then else ticket)


def act_in_page(
    request, ticket, form, call, *, form_name, done, then=None, stale_status=400, extra=None
):
    """Run call(cleaned_data) when form is valid, then "done" and redirect (to then(result) or
    the ticket). Otherwise the ticket page again (with extra context), form bound with its
    errors: status 400, or stale_status when someone changed the ticket meanwhile."""
    status = 400
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except StaleVersion as exc:
            form.add_error(None, str(exc))
            status = stale_status
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _say(done, result))
            return redirect(then(result) if then else ticket)
    context = detail_context(request, ticket, **{form_name: form})
    context.update(extra or {})
    return render(request, "tickets/detail.html", context, status=status)
