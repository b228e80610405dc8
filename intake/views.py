"""Intake pages under /mail/: mailboxes (admins), unidentified senders and flagged messages
(admins, agents), quarantine and ignored messages (admins), the original of a ticket event
(staff who see the ticket). Every view asks intake.access; a page the person's role does not have
answers 404 (core.access.require(..., hidden=True))."""

from __future__ import annotations

from email import policy
from email.parser import BytesHeaderParser

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.errors import AccountError
from core.access import require
from core.text import split_quoted
from tickets.errors import TicketError

from . import access, selectors, services
from .forms import LinkTicketForm, MailboxForm
from .models import InboundMessage

PAGE_SIZE = 25


# --- mailboxes ---


def mailbox_list(request):
    require(access.can_manage_mailboxes(request.user), hidden=True)
    context = {"mailboxes": list(selectors.mailboxes(request.user)), "nav_active": "mail"}
    return render(request, "intake/mailbox_list.html", context)


def mailbox_edit(request, pk=None):
    require(access.can_manage_mailboxes(request.user), hidden=True)
    mailbox = (
        get_object_or_404(selectors.mailboxes(request.user).defer(None), pk=pk) if pk else None
    )
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        mailbox = form.save()
        messages.success(request, _("Mailbox saved."))
        return redirect("intake:mailbox-list")
    context = {"form": form, "mailbox": mailbox, "nav_active": "mail"}
    return render(request, "intake/mailbox_form.html", context)


@require_POST
def mailbox_test(request, pk):
    require(access.can_manage_mailboxes(request.user), hidden=True)
    mailbox = get_object_or_404(selectors.mailboxes(request.user).defer(None), pk=pk)
    ok, error = services.test_connection(mailbox)
    if ok:
        messages.success(
            request, _("Connection to %(box)s works.") % {"box": mailbox.email_address}
        )
    else:
        messages.error(
            request, _("Connection to %(box)s failed: %(error)s") % {"box": mailbox, "error": error}
        )
    return redirect("intake:mailbox-list")


@require_POST
def mailbox_toggle(request, pk):
    require(access.can_manage_mailboxes(request.user), hidden=True)
    mailbox = get_object_or_404(selectors.mailboxes(request.user), pk=pk)
    services.set_mailbox_active(mailbox=mailbox, active=not mailbox.is_active)
    return redirect("intake:mailbox-list")


# --- unidentified senders and flagged replies ---


def unidentified(request):
    require(access.can_review_unidentified(request.user), hidden=True)
    tickets = Paginator(selectors.unidentified_tickets(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    flagged = list(selectors.flagged_messages(request.user)[:100])
    form = LinkTicketForm(user=request.user)
    context = {
        "page": tickets,
        "tickets": list(tickets.object_list),
        "flagged": flagged,
        "form": form,
        "contacts": list(form.fields["contact"].queryset[:500]),
        "can_review_flagged": access.can_review_flagged(request.user),
        "can_manage_quarantine": access.can_manage_quarantine(request.user),
        "can_create_contact": access.can_create_contact(request.user),
        "nav_active": "mail",
    }
    return render(request, "intake/unidentified.html", context)


@require_POST
def link_ticket(request, number):
    require(access.can_review_unidentified(request.user), hidden=True)
    ticket = get_object_or_404(access.unidentified_tickets(request.user), number=number)
    form = LinkTicketForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.link_ticket(
                actor=request.user,
                ticket=ticket,
                organization=form.cleaned_data["organization"],
                contact=form.cleaned_data["contact"],
                new_contact_name=form.cleaned_data["new_contact_name"],
            )
        except PermissionDenied:
            messages.error(request, _("You may not create accounts: choose an existing contact."))
        except (TicketError, AccountError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Ticket #%(n)s linked to its client.") % {"n": number})
    else:
        messages.error(request, _("Choose the client organization."))
    return redirect("intake:unidentified")


def _flagged_or_404(user, pk) -> InboundMessage:
    return get_object_or_404(selectors.flagged_messages(user), pk=pk)


@require_POST
def flagged_append(request, pk):
    require(access.can_review_flagged(request.user), hidden=True)
    record = _flagged_or_404(request.user, pk)
    try:
        services.append_flagged(actor=request.user, record=record)
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Message added to ticket #%(n)s.") % {"n": record.ticket.number}
        )
    return redirect("intake:unidentified")


@require_POST
def flagged_discard(request, pk):
    require(access.can_review_flagged(request.user), hidden=True)
    record = _flagged_or_404(request.user, pk)
    services.discard_message(actor=request.user, record=record)
    messages.success(request, _("Message discarded."))
    return redirect("intake:unidentified")


# --- quarantine ---


def quarantine(request):
    require(access.can_manage_quarantine(request.user), hidden=True)
    page = Paginator(selectors.quarantined_messages(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "records": list(page.object_list), "nav_active": "mail"}
    return render(request, "intake/quarantine.html", context)


def _quarantined_or_404(user, pk) -> InboundMessage:
    return get_object_or_404(selectors.quarantined_messages(user), pk=pk)


HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "Content-Type")


def quarantine_detail(request, pk):
    require(access.can_manage_quarantine(request.user), hidden=True)
    record = _quarantined_or_404(request.user, pk)
    raw = record.read_raw()
    headers = []
    try:
        parsed = BytesHeaderParser(policy=policy.default).parsebytes(raw[: 256 * 1024])
        for name in HEADERS:
            try:
                values = [str(v) for v in parsed.get_all(name) or []]
            except Exception:  # a malformed header: show its raw text
                values = [str(v) for k, v in parsed.raw_items() if k.lower() == name.lower()]
            headers += [(name, value[:500]) for value in values]
    except Exception:
        headers = []
    preview = raw[:4000].decode("utf-8", "replace")
    context = {"record": record, "headers": headers, "preview": preview, "nav_active": "mail"}
    return render(request, "intake/quarantine_detail.html", context)


def _original_response(record: InboundMessage, name: str) -> HttpResponse:
    if not record.raw_file:
        days = settings.INTAKE_RAW_RETENTION_DAYS
        message = _("The original of this message is no longer kept (kept %(days)s days).")
        return HttpResponse(message % {"days": days}, status=410, content_type="text/plain")
    response = HttpResponse(record.read_raw(), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="{name}-{record.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def quarantine_raw(request, pk):
    require(access.can_manage_quarantine(request.user), hidden=True)
    return _original_response(_quarantined_or_404(request.user, pk), "quarantined")


def event_original(request, event_pk):
    """The original message (.eml) of a ticket event that came by email: staff who see it."""
    record = selectors.original_of_event(request.user, event_pk)
    require(record is not None, hidden=True)
    return _original_response(record, "message")


# --- ignored messages ---


def ignored(request):
    require(access.can_manage_ignored(request.user), hidden=True)
    category = request.GET.get("category", "")
    if category not in selectors.IGNORED_CATEGORIES:
        category = ""
    page = Paginator(selectors.ignored_messages(request.user, category), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "records": list(page.object_list),
        "category": category,
        "categories": [(c.value, c.label) for c in selectors.IGNORED_CATEGORIES],
        "nav_active": "mail",
    }
    return render(request, "intake/ignored.html", context)


def ignored_raw(request, pk):
    require(access.can_manage_ignored(request.user), hidden=True)
    record = get_object_or_404(selectors.ignored_messages(request.user), pk=pk)
    return _original_response(record, "ignored")


@require_POST
def ignored_release(request, pk):
    require(access.can_manage_ignored(request.user), hidden=True)
    record = get_object_or_404(selectors.ignored_messages(request.user), pk=pk)
    try:
        result = services.release_message(actor=request.user, record=record)
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Message processed: %(line)s") % {"line": result.line()})
    return redirect("intake:ignored")


@require_POST
def quarantine_retry(request, pk):
    require(access.can_manage_quarantine(request.user), hidden=True)
    record = _quarantined_or_404(request.user, pk)
    result = services.retry_message(actor=request.user, record=record)
    if result.outcome == InboundMessage.Outcome.QUARANTINED:
        messages.error(request, _("Still quarantined: %(reason)s") % {"reason": result.reason})
        return redirect("intake:quarantine-detail", pk=pk)
    messages.success(request, _("Message processed: %(line)s") % {"line": result.line()})
    return redirect("intake:quarantine")


@require_POST
def quarantine_discard(request, pk):
    require(access.can_manage_quarantine(request.user), hidden=True)
    record = _quarantined_or_404(request.user, pk)
    services.discard_message(actor=request.user, record=record)
    messages.success(request, _("Message discarded."))
    return redirect("intake:quarantine")


def folded(text: str) -> tuple[str, str]:
    """Reply and quoted history of an email event's text (display only)."""
    return split_quoted(text or "")
