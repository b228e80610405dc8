"""Who sees tickets and what they may do with them, built on accounts.roles.

Seeing: admins, agents and developers see every ticket; sales reps the tickets of the
organizations they represent (and their resellers' clients); client users their organization's
tickets, or only their own when the organization keeps tickets private; client administrators
their organization's; resellers their organization's and their clients'. Development tickets
(made by a transfer) are not shown to customers. The DPO and controllers work on change
requests, not tickets: they see none. Hidden means 404.
Acting: clients, resellers, sales reps and agents reply; staff (admin, agent, sales rep,
developer) write internal notes and see them; admins and agents run the ticket (status,
fields, assignment, claim, escalation, transfer). Status rules (who sets a status, who
reopens what, editing until closed) are tickets.workflow's: status_roles() maps a person to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import roles
from accounts.models import Role, User

from . import caching, workflow
from .models import Attachment, Event, SavedFilter, Ticket
from .workflow import StatusRole

_PERSON_FIELDS = ("id", "first_name", "last_name", "email")


def _works_tickets(user) -> bool:
    """Admins and agents run tickets (status, fields, assignment)."""
    return roles.is_admin(user) or roles.is_agent(user)


def replies_as_customer(user) -> bool:
    """A client or reseller user (no staff role): their reply is a question, and it resumes a
    ticket waiting for them (tickets.workflow.resumes_on_customer_reply)."""
    return roles.is_customer(user)


def sees_internal(user) -> bool:
    """Staff who see internal notes: admins, agents, sales reps, developers."""
    return (
        roles.is_admin(user)
        or roles.is_agent(user)
        or roles.is_sales_rep(user)
        or roles.is_developer(user)
    )


def status_roles(user) -> frozenset[str]:
    """What user is to tickets.workflow's status rules."""
    held = set()
    if roles.is_customer(user):
        held.add(StatusRole.CUSTOMER)
    if roles.is_admin(user):
        held.add(StatusRole.ADMIN)
    if roles.is_agent(user):
        held.add(StatusRole.AGENT)
    return frozenset(held)


def sees_every_ticket(user) -> bool:
    return roles.is_admin(user) or roles.is_agent(user) or roles.is_developer(user)


def visible_tickets(user) -> QuerySet[Ticket]:
    """Tickets user may see (scoped by organization id; customers never see dev tickets)."""
    if sees_every_ticket(user):
        return Ticket.objects.all()
    if not (roles.is_sales_rep(user) or roles.is_customer(user)):
        return Ticket.objects.none()
    qs = Ticket.objects.filter(roles.organization_q(user))
    if roles.is_customer(user):
        qs = qs.filter(transferred_from__isnull=True)
    if roles.sees_only_own_tickets(user):
        qs = qs.filter(requester_id=user.pk)
    return qs


_OFTEN_EMPTY_LINKS = ("asset", "project", "transferred_from")
# The largest ticket number a lookup may hold (PositiveIntegerField): beyond it, no ticket.
_MAX_NUMBER = 2_147_483_647

# Staff see every ticket: their fetch is the same statement for everyone, compiled once
# (tickets.caching.Prepared). The organization is joined; status, priority, type and component
# come from the cached reference rows; the people (requester, reporter, assignees, followers)
# from one query of their own (_PEOPLE).
_STAFF_FETCH = caching.Prepared(
    lambda number: Ticket.objects.select_related("organization").filter(number=number),
    "number",
)


def _people_query(ticket, requester, reporter):
    assigned = Ticket.assignees.through.objects.filter(ticket_id=ticket)
    followed = Ticket.followers.through.objects.filter(ticket_id=ticket)
    return User.objects.filter(
        Q(pk__in=[requester, reporter])
        | Q(pk__in=assigned.values("user_id"))
        | Q(pk__in=followed.values("user_id"))
    ).annotate(
        is_assignee=Exists(assigned.filter(user_id=OuterRef("pk"))),
        is_follower=Exists(followed.filter(user_id=OuterRef("pk"))),
    )


_PEOPLE = caching.Prepared(_people_query, "ticket", "requester", "reporter")


def _attach_people(ticket: Ticket) -> None:
    """Requester, reporter, assignees and followers in one query, in the users' order."""
    people = _PEOPLE.models(
        ticket=ticket.pk, requester=ticket.requester_id or 0, reporter=ticket.reporter_id or 0
    )
    by_id = {person.pk: person for person in people}
    for name in ("requester", "reporter"):
        Ticket._meta.get_field(name).set_cached_value(
            ticket, by_id.get(getattr(ticket, f"{name}_id"))
        )
    cache = getattr(ticket, "_prefetched_objects_cache", None)
    if cache is None:
        cache = ticket._prefetched_objects_cache = {}
    for name, flag in (("assignees", "is_assignee"), ("followers", "is_follower")):
        rows = getattr(ticket, name).all()
        rows._result_cache = [person for person in people if getattr(person, flag)]
        rows._prefetch_done = True
        cache[name] = rows


def get_visible_ticket_or_404(user, number) -> Ticket:
    try:
        number = int(number)
    except (ValueError, TypeError):
        raise Http404 from None
    if not 0 < number <= _MAX_NUMBER:
        raise Http404
    if sees_every_ticket(user):
        found = _STAFF_FETCH.models(number=number)
    else:
        found = list(visible_tickets(user).select_related("organization").filter(number=number))
    if not found:
        raise Http404
    ticket = found[0]
    reference = caching.reference()
    caching.attach_reference([ticket], reference)
    component = reference.components.get(ticket.component_id)
    if component is not None:
        Ticket.component.field.set_cached_value(ticket, component)
    criticality = reference.criticalities.get(ticket.criticality_id)
    if criticality is not None:
        Ticket.criticality.field.set_cached_value(ticket, criticality)
    # The links that are often empty by id, only those this ticket has (Django compiles a
    # query even for an empty one).
    links = [name for name in _OFTEN_EMPTY_LINKS if getattr(ticket, f"{name}_id")]
    if links:
        prefetch_related_objects([ticket], *links)
    _attach_people(ticket)
    ticket._visible_to = user.pk
    return ticket


def get_visible_item_or_404(user, model, pk):
    """An equipment or a project (model: Asset or Project) of an organization user sees."""
    try:
        return model.objects.select_related("organization").get(
            roles.organization_q(user), pk=int(pk)
        )
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_visible_contact_or_404(user, pk):
    """A person whose tickets user may list on their contact page: someone of an organization
    user sees; customers who only see their own tickets have no contact pages."""
    if not (roles.is_staff_member(user) or not roles.sees_only_own_tickets(user)):
        raise Http404
    try:
        return User.objects.select_related("organization").get(
            roles.organization_q(user), pk=int(pk), organization__isnull=False
        )
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_manage_reference(user) -> bool:
    """Statuses, types, priorities, components, canned replies, equipment, projects and the
    business calendar (Administration): admins only."""
    return roles.is_admin(user)


def can_use_saved_views(user) -> bool:
    """Saved queue views (mine, unassigned, overdue, new, followed) are for staff."""
    return sees_internal(user)


def uses_queue_pickers(user) -> bool:
    """The queue's client and assignee filters: staff search them with the support team's
    pickers (accounts:pick-organizations, accounts:pick-agents, which answer staff only);
    customers tick among their own organizations and have no assignee filter."""
    return roles.is_staff_member(user)


def queue_assignee_names(user, ids) -> dict[str, str]:
    """Names of the people chosen by id in the queue's assignee filter, among those tickets may
    be assigned to (agents and admins): one query, none without ids."""
    ids = [int(pk) for pk in ids if str(pk).isdigit()]
    if not ids or not uses_queue_pickers(user):
        return {}
    people = roles.users_with_role(Role.Code.AGENT, Role.Code.ADMIN).filter(pk__in=ids)
    return {str(person.pk): str(person) for person in people.only(*_PERSON_FIELDS)}


def get_own_saved_filter_or_404(user, pk) -> SavedFilter:
    """A saved queue filter of user's own (anybody else's, or a forged id: 404)."""
    if not can_use_saved_views(user):
        raise Http404
    return get_object_or_404(SavedFilter, pk=pk, owner=user)


def can_view(user, ticket: Ticket) -> bool:
    """Answered from the fetch when the ticket came from get_visible_ticket_or_404(user)."""
    if getattr(ticket, "_visible_to", None) == user.pk:
        return True
    return visible_tickets(user).filter(pk=ticket.pk).exists()


def can_create_ticket(user) -> bool:
    """Customers file for themselves; admins, agents and sales reps for a client."""
    return (
        roles.is_customer(user)
        or roles.is_admin(user)
        or roles.is_agent(user)
        or roles.is_sales_rep(user)
    )


def works_tickets(user) -> bool:
    """Does user have a ticket queue at all (the top bar's Tickets link, the dashboard card)?"""
    return sees_every_ticket(user) or can_create_ticket(user)


def can_file_for_client(user) -> bool:
    """Choose the client organization, contact, priority, canned reply and an internal note."""
    return roles.is_admin(user) or roles.is_agent(user) or roles.is_sales_rep(user)


def can_assign_on_create(user) -> bool:
    """The creation form's assignment field is for admins (seed 004)."""
    return roles.is_admin(user)


def can_take_phone_call(user) -> bool:
    """Phone intake: an operator files on behalf of a caller."""
    return roles.is_admin(user) or roles.is_agent(user)


def can_reply(user, ticket: Ticket) -> bool:
    """Public replies: customers, sales reps, agents and admins who see the ticket."""
    if roles.is_developer(user) and not _works_tickets(user):
        return False
    return can_view(user, ticket)


def can_add_internal_note(user, ticket: Ticket) -> bool:
    return sees_internal(user) and can_view(user, ticket)


def can_backdate(user) -> bool:
    """Staff logging a phone call may set the action date."""
    return _works_tickets(user)


def can_change_status(user, ticket: Ticket) -> bool:
    return workflow.may_change_status(status_roles(user)) and can_view(user, ticket)


def can_change_fields(user, ticket: Ticket) -> bool:
    """Priority, type, component, level, followers, equipment, project."""
    return _works_tickets(user) and can_view(user, ticket)


def can_edit(user, ticket: Ticket) -> bool:
    """Title and description: admins always; agents until closed; the requester while new."""
    is_requester = ticket.requester_id == user.pk
    if not workflow.may_edit_text(
        ticket.status.category, status_roles(user), is_requester=is_requester
    ):
        return False
    # Admins and agents see every ticket; a requester must still see theirs.
    return _works_tickets(user) or can_view(user, ticket)


def can_assign(user, ticket: Ticket) -> bool:
    return _works_tickets(user) and can_view(user, ticket)


def can_bulk_edit(user) -> bool:
    """Agents and admins act on several selected tickets of the queue at once."""
    return _works_tickets(user)


def can_claim(user, ticket: Ticket) -> bool:
    """An agent (or admin) takes an open ticket they are not assigned to yet."""
    if not _works_tickets(user) or not workflow.is_open_to_work(ticket.status.category):
        return False
    # The assignees come prefetched with the ticket (get_visible_ticket_or_404).
    return user.pk not in {a.pk for a in ticket.assignees.all()}


def can_escalate(user, ticket: Ticket) -> bool:
    if not _works_tickets(user) or not workflow.is_open_to_work(ticket.status.category):
        return False
    return ticket.support_level < Ticket.Level.THREE


def can_reopen(user, ticket: Ticket) -> bool:
    """workflow.REOPENS decides; customers only reopen tickets they see."""
    held = status_roles(user)
    agents_reopen_closed = bool(getattr(settings, "TICKETS_AGENTS_MAY_REOPEN_CLOSED", False))
    if not workflow.may_reopen(
        ticket.status.category, held, agents_reopen_closed=agents_reopen_closed
    ):
        return False
    return StatusRole.CUSTOMER not in held or can_view(user, ticket)


def can_transfer_to_development(user, ticket: Ticket) -> bool:
    """A support ticket (not itself a development ticket) may be copied to development."""
    return _works_tickets(user) and ticket.transferred_from_id is None


def visible_events(user, ticket: Ticket) -> QuerySet[Event]:
    """The timeline: internal notes and internal events only for staff."""
    return events_shown(ticket.pk, with_internal=sees_internal(user))


def events_shown(ticket_id, *, with_internal: bool) -> QuerySet[Event]:
    """A ticket's events as someone sees them who sees internal matters (with_internal: staff,
    sees_internal) or not."""
    events = Event.objects.filter(ticket_id=ticket_id)
    if not with_internal:
        events = events.filter(is_internal=False)
    return events


def can_download_attachment(user, attachment: Attachment) -> bool:
    """Through the ticket's visibility; a file of an internal note only for staff."""
    internal = attachment.event_id is not None and attachment.event.is_internal
    if internal and not sees_internal(user):
        return False
    return can_view(user, attachment.ticket)
