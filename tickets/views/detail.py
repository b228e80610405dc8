"""The ticket page: the ticket, its timeline and the forms of the actions the person may take
(the context every action view renders again on a form error), the classification form loaded
when opened, and attachment downloads (permission-checked, safe names, nosniff)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from core.access import require
from core.files import file_response

from .. import access, caching, selectors, services, sla
from ..forms import (
    AssignForm,
    EditForm,
    EscalateForm,
    FieldsForm,
    PriorityForm,
    ReopenForm,
    ReplyForm,
    StatusForm,
    TransferForm,
)


def ticket_detail(request, number, **forms):
    user = request.user
    ticket = access.get_visible_ticket_or_404(user, number)
    return render(request, "tickets/detail.html", detail_context(request, ticket, **forms))


def detail_context(request, ticket, **forms):
    user = request.user
    initial = {"version": ticket.version}
    can = {
        "reply": access.can_reply(user, ticket),
        "note": access.can_add_internal_note(user, ticket),
        "status": access.can_change_status(user, ticket),
        "fields": access.can_change_fields(user, ticket),
        "edit": access.can_edit(user, ticket),
        "assign": access.can_assign(user, ticket),
        "claim": access.can_claim(user, ticket),
        "escalate": access.can_escalate(user, ticket),
        "reopen": access.can_reopen(user, ticket),
        "transfer": access.can_transfer_to_development(user, ticket),
        "internal": access.sees_internal(user),
    }
    reference = caching.reference()
    assignees = list(ticket.assignees.all())
    followers = list(ticket.followers.all())
    # The timeline's outline (ids, when filed, transfers) is one light query; the events
    # themselves are read only when the cached timeline does not hold that list of events.
    outline = selectors.timeline_outline(user, ticket)
    context = {
        "ticket": ticket,
        # Newest first, under the reply box at the top of the page: the last message, the one
        # to answer, is next to where the answer is written.
        "events": SimpleLazyObject(lambda: selectors.timeline(user, ticket)[::-1]),
        "event_ids": outline.event_ids,
        # When the ticket was filed: for a phone call, the call time the timeline shows too.
        "filed_at": outline.filed_at or ticket.created_at,
        "replies_as_customer": access.replies_as_customer(user),
        "assignees": assignees,
        "followers": followers,
        "can": can,
        "sla": sla.sla_state(ticket, reference.calendar),
        # The development tickets made from this one, as their transfers say in the timeline
        # (staff see those events): no query of their own.
        "development_tickets": outline.development_numbers if can["internal"] else [],
        "nav_active": "tickets",
        # The panel holds actions (else only the details): its title, the phone bar's words.
        "works_on_ticket": can["status"] or can["fields"] or can["assign"],
    }
    if can["reply"] or can["note"]:
        context["reply_form"] = forms.get("reply_form") or ReplyForm(user=user, ticket=ticket)
        if can["internal"]:
            context["canned_replies"] = [
                (c, services.fill_canned_reply(c, ticket=ticket, agent=user))
                for c in reference.canned_replies
            ]
    if can["status"]:
        status_form = StatusForm(
            initial={**initial, "status": ticket.status_id}, current=ticket.status
        )
        # Closed and cancelled tickets only move by reopening: no status to offer.
        if status_form.offers_a_change:
            context["status_form"] = status_form
        else:
            context["status_locked"] = True
    if can["fields"]:
        context["priority_form"] = PriorityForm(initial={**initial, "priority": ticket.priority_id})
        # The classification form comes with the page only when it was posted with errors;
        # otherwise it is loaded when opened (ticket_classification): its six pickers cost
        # more than the rest of the side panel.
        context["fields_form"] = forms.get("fields_form")
    if can["assign"]:
        context["assign_form"] = AssignForm(
            initial={**initial, "assignees": [a.pk for a in assignees]}, current=assignees
        )
    if can["edit"]:
        context["edit_form"] = forms.get("edit_form") or EditForm(
            initial={**initial, "title": ticket.title, "description": ticket.description}
        )
    if can["escalate"]:
        context["escalate_form"] = EscalateForm()
    if can["reopen"]:
        context["reopen_form"] = ReopenForm()
    if can["transfer"]:
        context["transfer_form"] = TransferForm()
    context["fragments"] = _fragment_keys(context, ticket, reference, assignees)
    return context


def _shown(form, *parts) -> str | None:
    """The cache key of a form's fields as shown unposted (the same markup for everyone of a
    language given the same parts): None for a form posted back with its errors, or absent."""
    if form is None or form.is_bound:
        return None
    return "|".join(str(part) for part in (get_language(), *parts))


def _fragment_keys(context, ticket, reference, assignees) -> dict[str, str | None]:
    """Keys of the side forms' and the reply box's fields, cached as template fragments
    (templates/tickets/detail.html): the pickers change with the ticket's status, priority or
    assignees and the reference rows; the edit form with the title and the description."""
    reply = context.get("reply_form")
    return {
        "reply": _shown(
            reply, *(reply.fields if reply else ()), reply and reply.fields["attachments"].help_text
        ),
        "status": _shown(context.get("status_form"), ticket.status_id, reference.version),
        "priority": _shown(context.get("priority_form"), ticket.priority_id, reference.version),
        "assign": _shown(
            context.get("assign_form"),
            *(f"{person.pk}={person.get_full_name() or person.email}" for person in assignees),
        ),
        "escalate": _shown(context.get("escalate_form")),
        "transfer": _shown(context.get("transfer_form"), reference.version),
        "edit": _shown(context.get("edit_form"), ticket.title, ticket.description),
    }


def fields_form(ticket) -> FieldsForm:
    return FieldsForm(
        ticket=ticket,
        initial={
            "version": ticket.version,
            "type": ticket.type_id,
            "component": ticket.component_id,
            "support_level": ticket.support_level,
            "criticality": ticket.criticality_id,
            "asset": ticket.asset_id,
            "project": ticket.project_id,
            "followers": [f.pk for f in ticket.followers.all()],
        },
    )


def ticket_classification(request, number):
    """The ticket's classification form (type, level, component...), loaded when opened."""
    ticket = access.get_visible_ticket_or_404(request.user, number)
    require(access.can_change_fields(request.user, ticket))
    context = {"ticket": ticket, "fields_form": fields_form(ticket)}
    return render(request, "tickets/_classification.html", context)


def attachment_download(request, number, pk, thumbnail=False):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    attachment = get_object_or_404(ticket.attachments.select_related("event"), pk=pk)
    attachment.ticket = ticket
    require(access.can_download_attachment(request.user, attachment), hidden=True)
    if thumbnail:
        if not attachment.thumbnail:
            raise Http404
        return file_response(
            attachment.thumbnail,
            filename=f"thumb-{attachment.filename}.jpg",
            content_type="image/jpeg",
            inline=True,
        )
    return file_response(
        attachment.file,
        filename=attachment.filename,
        content_type=attachment.content_type,
        inline=request.GET.get("download") != "1",
    )
