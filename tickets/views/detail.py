"""The ticket page: the ticket, its timeline and the forms of the actions the person may take
(the context every action view renders again on a form error), the classification form loaded
when opened, and attachment downloads (permission-checked, safe names, nosniff)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from core.access import require
from core.files import file_response

from .. import access, caching, selectors, services, sla, workflow
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
        # to answer, is next to where the answer is written. Only the events whose rendered
        # item is not cached are read (templatetags.tickets.timeline_events).
        "events": selectors.timeline_window(user, ticket, outline),
        "event_ids": outline.event_ids,
        # A long timeline shows its newest events; the earlier ones come on demand.
        "timeline_earlier": outline.earlier,
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
            # Filled in only when their cached picker is missing (the "canned" fragment).
            context["canned_replies"] = SimpleLazyObject(
                lambda: [
                    (c, services.fill_canned_reply(c, ticket=ticket, agent=user))
                    for c in reference.canned_replies
                ]
            )
    # The side forms are never posted back into the page: built only when their cached
    # fragment is missing (SimpleLazyObject), shown when show[name].
    show = context["show"] = {}
    if can["status"]:
        # Closed and cancelled tickets only move by reopening: no status to offer.
        show["status"] = _offers_status_change(ticket, reference)
        context["status_locked"] = not show["status"]
        if show["status"]:
            status = {**initial, "status": ticket.status_id}
            context["status_form"] = SimpleLazyObject(
                lambda: StatusForm(initial=status, current=ticket.status)
            )
    if can["fields"]:
        show["priority"] = True
        context["priority_form"] = SimpleLazyObject(
            lambda: PriorityForm(initial={**initial, "priority": ticket.priority_id})
        )
        # The classification form comes with the page only when it was posted with errors;
        # otherwise it is loaded when opened (ticket_classification): its six pickers cost
        # more than the rest of the side panel.
        context["fields_form"] = forms.get("fields_form")
    if can["assign"]:
        show["assign"] = True
        context["assign_form"] = SimpleLazyObject(
            lambda: AssignForm(
                initial={**initial, "assignees": [a.pk for a in assignees]}, current=assignees
            )
        )
    if can["edit"]:
        context["edit_posted"] = "edit_form" in forms
        context["edit_form"] = forms.get("edit_form") or SimpleLazyObject(
            lambda: EditForm(
                initial={**initial, "title": ticket.title, "description": ticket.description}
            )
        )
    if can["escalate"]:
        show["escalate"] = True
        context["escalate_form"] = SimpleLazyObject(EscalateForm)
    if can["reopen"]:
        context["reopen_form"] = ReopenForm()
    if can["transfer"]:
        show["transfer"] = True
        context["transfer_form"] = SimpleLazyObject(TransferForm)
    context["user_name"] = user.get_full_name() or user.email
    context["fragments"] = caching.PageFragments(
        "ticket", _fragment_parts(context, ticket, reference, assignees, forms)
    )
    return context


def _offers_status_change(ticket, reference) -> bool:
    """Whether the status picker has a status to offer besides the ticket's own (as
    StatusForm lists them: the active statuses tickets.workflow lets it move to)."""
    rows = reference.active(reference.statuses)
    return any(s.pk != ticket.status_id for s in workflow.settable_statuses(ticket.status, rows))


def _fragment_parts(context, ticket, reference, assignees, posted) -> dict[str, str | None]:
    """What each cached fragment of the page shows (tickets.caching.PageFragments): the same
    markup for everyone of a language given the same parts. The reply box's fields; the side
    forms' fields, which change with the ticket's version, status, priority or assignees and
    the reference rows; the timeline under its shown events; the description. A form posted
    back with its errors is never cached (None)."""
    language = get_language()
    reply = context.get("reply_form")
    # The version fields are outside the fragments: a change elsewhere keeps them cached.
    version = f"{language}|{reference.version}"
    parts = {
        "timeline": "|".join(
            map(
                str,
                (
                    ticket.pk,
                    context["event_ids"],
                    context["timeline_earlier"],
                    language,
                    get_current_timezone_name(),
                    context["can"]["internal"],
                    caching.timeline_generation(),
                ),
            )
        ),
        "description": f"{language}|{ticket.pk}|{ticket.channel}|{ticket.description}",
        "reply": None
        if reply is None or reply.is_bound
        else "|".join((language, *reply.fields, str(reply.fields["attachments"].help_text))),
        "status": f"{version}|{ticket.status_id}",
        "priority": f"{version}|{ticket.priority_id}",
        "assign": f"{version}|"
        + ",".join(f"{person.pk}={person.get_full_name() or person.email}" for person in assignees),
        "escalate": language,
        "transfer": f"{language}|{reference.version}",
    }
    if context.get("canned_replies") is not None:
        # What the placeholders are filled with (services.fill_canned_reply), and the rows.
        requester = ticket.requester
        parts["canned"] = "|".join(
            map(
                str,
                (
                    language,
                    reference.version,
                    ticket.number,
                    requester and requester.get_full_name(),
                    ticket.organization and ticket.organization.name,
                    ticket.contact_email,
                    context["user_name"],
                ),
            )
        )
    if "edit_form" not in posted:
        parts["edit"] = f"{language}|{ticket.title}|{ticket.description}"
    # The header's number, type, title and badges (its SLA badge moves with the clock: apart).
    parts["heading"] = "|".join(
        map(
            str,
            (
                version,
                ticket.number,
                ticket.type_id,
                ticket.title,
                ticket.status_id,
                ticket.priority_id,
                ticket.support_level,
            ),
        )
    )
    parts["details"] = _details_part(context, ticket, version)
    return parts


def _name(person) -> str:
    return person.get_full_name() or person.email


def _details_part(context, ticket, version: str) -> str:
    """What the Details card's facts show, as its template writes them (the due date, which
    moves with every priority change, and the links to other tickets are written apart)."""
    return repr(
        (
            version,
            ticket.organization and ticket.organization.name,
            ticket.requester and _name(ticket.requester),
            ticket.contact_email,
            ticket.cc_addresses,
            ticket.channel,
            ticket.criticality_id,
            ticket.component and ticket.component.name,
            ticket.asset and str(ticket.asset),
            ticket.project and str(ticket.project),
            [_name(person) for person in context["assignees"]],
            [_name(person) for person in context["followers"]],
        )
    )


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


def ticket_timeline_earlier(request, number):
    """The timeline's events before ?before= (an event id), newest first, with the button for
    the ones before them: loaded by htmx from the ticket page's "Show earlier events"."""
    ticket = access.get_visible_ticket_or_404(request.user, number)
    events, earlier = selectors.timeline_before(request.user, ticket, request.GET.get("before"))
    context = {
        "ticket": ticket,
        "events": events[::-1],
        "can": {"internal": access.sees_internal(request.user)},
        "timeline_earlier": earlier,
    }
    return render(request, "tickets/_timeline_page.html", context)


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
