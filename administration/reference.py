"""The kinds of reference data the Administration area lists and edits: for each, its model,
form, the columns of its list and whether it is ordered by hand. Pure data: the views read it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tickets.models import (
    Asset,
    CannedReply,
    Component,
    Criticality,
    Priority,
    Project,
    Status,
    TicketType,
)

from . import forms


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    form: type
    title: str
    new_label: str
    intro: str
    ordered: bool = True
    # Equipment and projects belong to a client and can be many: paged, by client then name.
    per_organization: bool = False


KINDS = {
    kind.slug: kind
    for kind in (
        Kind(
            "statuses",
            Status,
            forms.StatusForm,
            _("Statuses"),
            _("New status"),
            _(
                "The steps of a ticket. The category decides what the status means (waiting on "
                "the client pauses the SLA; resolved, closed and cancelled are final); the "
                "colour is the badge's in every list."
            ),
        ),
        Kind(
            "types",
            TicketType,
            forms.TicketTypeForm,
            _("Ticket types"),
            _("New type"),
            _("What a client asks for (help, bug, improvement...), chosen when filing."),
        ),
        Kind(
            "priorities",
            Priority,
            forms.PriorityForm,
            _("Priorities and targets"),
            _("New priority"),
            _(
                "Set by agents. Each gives the targets of the first reply and of the "
                "resolution, in business hours (see the business calendar)."
            ),
        ),
        Kind(
            "criticalities",
            Criticality,
            forms.CriticalityForm,
            _("Criticalities"),
            _("New criticality"),
            _(
                "How much the problem hinders the client's work, as they say it when filing; "
                "the colour is the badge's on the ticket page."
            ),
        ),
        Kind(
            "components",
            Component,
            forms.ComponentForm,
            _("Components"),
            _("New component"),
            _("The parts of the product a ticket is about (“groupe fonctionnel”)."),
        ),
        Kind(
            "canned-replies",
            CannedReply,
            forms.CannedReplyForm,
            _("Canned replies"),
            _("New canned reply"),
            _("Ready-made answers agents insert in a reply, with the client's name filled in."),
        ),
        Kind(
            "equipment",
            Asset,
            forms.AssetForm,
            _("Equipment"),
            _("New equipment"),
            _("Clients' equipment a ticket can be about, with its history of tickets."),
            ordered=False,
            per_organization=True,
        ),
        Kind(
            "projects",
            Project,
            forms.ProjectForm,
            _("Projects"),
            _("New project"),
            _("Clients' projects a ticket can belong to, with their tickets."),
            ordered=False,
            per_organization=True,
        ),
    )
}

# What a canned reply may contain, filled in for the ticket it answers (tickets.services.canned).
PLACEHOLDERS = (
    ("{client_name}", _("the client's name (the requester, else the organization)")),
    ("{ticket_number}", _("the ticket's number, as #123")),
    ("{agent_name}", _("the name of the agent who replies")),
)
