"""Ticket.is_assigned (behind the Unassigned view and counter) says whether anyone holds the
ticket: every path that changes the assignees keeps it, and no other path can change them."""

import importlib
import io
import types

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.urls import reverse

from accounts import services as account_services
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_browser(db):
    """A browser logged in to the Django admin as a superuser."""
    from django.test import Client

    from accounts.models import User

    browser = Client()
    browser.force_login(User.objects.create_superuser("root@staff.test", "pw", is_demo=True))
    return browser


def assigned(ticket) -> bool:
    return Ticket.objects.get(pk=ticket.pk).is_assigned


def holders(ticket) -> set[int]:
    return set(Ticket.objects.get(pk=ticket.pk).assignees.values_list("pk", flat=True))


def test_a_ticket_filed_with_assignees_is_assigned_and_one_without_is_not(
    make_ticket, admin, agent, client_a, org_a
):
    held = make_ticket(admin, organization=org_a, requester=client_a, assignees=[agent])
    assert assigned(held) and holders(held) == {agent.pk}
    assert not assigned(make_ticket(client_a))


def test_claiming_assigns_and_escalating_unassigns(make_ticket, agent, client_a):
    ticket = make_ticket(client_a)
    services.claim(actor=agent, ticket=ticket)
    assert assigned(ticket) and holders(ticket) == {agent.pk}
    services.escalate(actor=agent, ticket=ticket, reason="Needs level 2")
    assert not assigned(ticket) and holders(ticket) == set()


def test_setting_the_assignees_follows_the_last_one_removed(make_ticket, admin, agent, client_a):
    ticket = make_ticket(client_a)
    services.assign(actor=admin, ticket=ticket, assignees=[agent, admin])
    services.assign(actor=admin, ticket=ticket, assignees=[agent])
    assert assigned(ticket)
    services.assign(actor=admin, ticket=ticket, assignees=[])
    assert not assigned(ticket)


def test_bulk_assignment_and_unassignment_set_the_flag(make_ticket, agent, client_a, client_b):
    tickets = [make_ticket(client_a), make_ticket(client_b)]
    numbers = [t.number for t in tickets]
    result = services.bulk_apply(actor=agent, numbers=numbers, action="assign", value=[agent])
    assert result.changed == numbers and all(assigned(t) for t in tickets)
    result = services.bulk_apply(actor=agent, numbers=numbers, action="assign", value=[])
    assert result.changed == numbers and not any(assigned(t) for t in tickets)


def test_the_demo_tickets_are_assigned_exactly_when_an_agent_holds_them(ref):
    from django.core.management import call_command

    call_command("seed_demo", tickets=60, seed=3, stdout=io.StringIO())
    through = Ticket.assignees.through.objects
    held = set(through.values_list("ticket_id", flat=True))
    flagged = set(Ticket.objects.filter(is_assigned=True).values_list("pk", flat=True))
    assert held == flagged and 0 < len(held) < Ticket.objects.count()


def test_a_person_holding_a_ticket_cannot_be_deleted_and_one_holding_none_can(
    make_ticket, admin, agent, agent_l2, client_a
):
    """Deleting the only assignee would leave the ticket flagged as held by nobody's hand:
    refused, as for a requester or reporter (deactivate the person, or unassign them)."""
    ticket = make_ticket(client_a)
    services.claim(actor=agent, ticket=ticket)
    with pytest.raises(ProtectedError):
        agent.delete()
    assert assigned(ticket) and holders(ticket) == {agent.pk}
    agent_l2.delete()  # holds nothing: deleted as before


def test_the_django_admin_refuses_to_delete_a_person_holding_a_ticket(
    make_ticket, agent, client_a, superuser_browser
):
    ticket = make_ticket(client_a)
    services.claim(actor=agent, ticket=ticket)
    url = reverse("admin:accounts_user_delete", args=[agent.pk])
    page = superuser_browser.post(url, {"post": "yes"})
    assert page.status_code == 200 and page.context["protected"]  # "cannot delete"
    assert type(agent).objects.filter(pk=agent.pk).exists() and assigned(ticket)


def test_a_deactivated_assignee_still_holds_their_tickets(make_ticket, admin, agent, client_a):
    """Deactivating keeps a person's rows (their history): their tickets stay assigned to
    them, flag and assignees agreeing, until someone reassigns them."""
    ticket = make_ticket(client_a)
    services.claim(actor=agent, ticket=ticket)
    account_services.deactivate_user(actor=admin, user=agent)
    assert assigned(ticket) and holders(ticket) == {agent.pk}
    services.assign(actor=admin, ticket=ticket, assignees=[])
    assert not assigned(ticket)


def test_the_django_admin_shows_assignees_without_a_way_to_change_them(
    make_ticket, admin, agent, client_a, superuser_browser
):
    ticket = make_ticket(client_a)
    services.claim(actor=agent, ticket=ticket)
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    page = superuser_browser.get(url).content.decode()
    assert str(agent) in page and 'name="assignees"' not in page
    superuser_browser.post(url, {"assignees": [admin.pk]})
    assert holders(ticket) == {agent.pk} and assigned(ticket)


def test_the_migration_that_dropped_the_trigger_brings_the_flags_in_line(
    make_ticket, agent, client_a
):
    held, free = make_ticket(client_a), make_ticket(client_a, title="Another one")
    services.claim(actor=agent, ticket=held)
    Ticket.objects.filter(pk=held.pk).update(is_assigned=False)  # as a trigger-less import
    Ticket.objects.filter(pk=free.pk).update(is_assigned=True)
    migration = importlib.import_module("tickets.migrations.0010_assigned_flag_kept_by_services")
    with connection.cursor() as cursor:
        editor = types.SimpleNamespace(connection=connection, execute=cursor.execute)
        migration._forward(None, editor)
        migration._forward(None, editor)  # rerunnable
    assert assigned(held) and not assigned(free)
