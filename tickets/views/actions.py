"""The actions on one ticket, each a POST from the ticket page: reply or note, status,
priority, classification, title and description, assignees, claim, escalation, reopening,
transfer to development. Each is ticket_action (fetch: 404, capability: 403) + a form + one
service; a domain error comes back as a message, or in the page with the person's input kept.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.access import require

from .. import access, services
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
from ._common import act, act_in_page, ticket_action


@ticket_action()
def ticket_reply(request, ticket):
    internal = bool(request.POST.get("internal"))
    if internal:
        require(access.can_add_internal_note(request.user, ticket))
    else:
        require(access.can_reply(request.user, ticket))
    form = ReplyForm(request.POST, request.FILES, user=request.user, ticket=ticket)

    def call(data):
        return services.reply(
            actor=request.user,
            ticket=ticket,
            body=data["body"],
            internal=data.get("internal", False),
            attachments=data["attachments"],
            action_type=data.get("action_type") or None,
            action_at=data.get("action_at"),
        )

    return act_in_page(
        request,
        ticket,
        form,
        call,
        form_name="reply_form",
        done=lambda event: _("Internal note added.") if event.is_internal else _("Reply sent."),
        then=lambda event: f"{ticket.get_absolute_url()}#event-{event.pk}",
    )


@ticket_action(access.can_change_status)
def ticket_status(request, ticket):
    return act(
        request,
        ticket,
        StatusForm(request.POST),
        lambda data: services.change_status(
            actor=request.user, ticket=ticket, status=data["status"], version=data["version"]
        ),
        invalid=_("Choose a status."),
        done=_("Status changed."),
    )


@ticket_action(access.can_change_fields)
def ticket_priority(request, ticket):
    return act(
        request,
        ticket,
        PriorityForm(request.POST),
        lambda data: services.change_priority(
            actor=request.user, ticket=ticket, priority=data["priority"], version=data["version"]
        ),
        invalid=_("Choose a priority."),
        done=_("Priority changed; the due dates follow it."),
    )


@ticket_action(access.can_change_fields)
def ticket_fields(request, ticket):
    def call(data):
        changes = dict(data)
        version, followers = changes.pop("version"), list(changes.pop("followers"))
        return services.update_ticket(
            actor=request.user,
            ticket=ticket,
            version=version,
            changes=changes,
            followers=followers,
        )

    form = FieldsForm(request.POST, ticket=ticket)
    return act_in_page(
        request, ticket, form, call, form_name="fields_form", done=_("Ticket updated.")
    )


@ticket_action(access.can_edit)
def ticket_edit(request, ticket):
    def call(data):
        changes = dict(data)
        version = changes.pop("version")
        return services.update_ticket(
            actor=request.user, ticket=ticket, version=version, changes=changes
        )

    return act_in_page(
        request,
        ticket,
        EditForm(request.POST),
        call,
        form_name="edit_form",
        done=_("Ticket updated."),
        stale_status=409,
        extra={"edit_open": True},
    )


@ticket_action(access.can_assign)
def ticket_assign(request, ticket):
    return act(
        request,
        ticket,
        AssignForm(request.POST),
        lambda data: services.assign(
            actor=request.user,
            ticket=ticket,
            assignees=list(data["assignees"]),
            version=data["version"],
        ),
        done=_("Assignees saved."),
    )


@ticket_action(access.can_claim)
def ticket_claim(request, ticket):
    return act(
        request,
        ticket,
        None,
        lambda data: services.claim(actor=request.user, ticket=ticket),
        done=_("You took ticket #%(n)s.") % {"n": ticket.number},
    )


@ticket_action(access.can_escalate)
def ticket_escalate(request, ticket):
    return act(
        request,
        ticket,
        EscalateForm(request.POST),
        lambda data: services.escalate(actor=request.user, ticket=ticket, reason=data["reason"]),
        invalid=_("Say why the ticket is escalated."),
        done=_("Ticket escalated to the next support level."),
    )


@ticket_action(access.can_reopen)
def ticket_reopen(request, ticket):
    return act(
        request,
        ticket,
        ReopenForm(request.POST),
        lambda data: services.reopen(
            actor=request.user, ticket=ticket, reason=data.get("reason", "")
        ),
        done=_("Ticket reopened."),
    )


@ticket_action(access.can_transfer_to_development)
def ticket_transfer(request, ticket):
    return act(
        request,
        ticket,
        TransferForm(request.POST),
        lambda data: services.transfer_to_development(
            actor=request.user, ticket=ticket, type=data["type"], title=data["title"]
        ),
        invalid=_("Choose a development type."),
        done=lambda dev: _("Development ticket #%(n)s created.") % {"n": dev.number},
        then=lambda dev: dev,
    )
