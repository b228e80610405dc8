"""Change requests and tickets take gap-free numbers from one named-counter mechanism."""

import importlib
import threading

import pytest
from django.apps import apps
from django.db import connection, connections

from cdc.models import ChangeRequest
from tests.tickets.conftest import ensure_reference_data
from tickets import services as ticket_services
from tickets.models import Ticket, TicketCounter

_start_counter = importlib.import_module("cdc.migrations.0003_number_counter").start_counter


def test_two_change_requests_get_consecutive_numbers(build):
    first = build.draft()
    second = build.draft(title="Second request")
    assert second.number == first.number + 1
    assert TicketCounter.objects.get(name="cdc").value == second.number


def test_a_missing_cdc_counter_is_recreated_from_the_highest_number(build):
    first = build.draft()
    ChangeRequest.objects.filter(pk=first.pk).update(number=41)
    TicketCounter.objects.filter(name="cdc").delete()
    assert build.draft(title="After an import").number == 42
    assert TicketCounter.objects.get(name="cdc").value == 42


def test_a_missing_ticket_counter_is_recreated_from_the_highest_number(client_a):
    ensure_reference_data()
    ticket = ticket_services.create_ticket(actor=client_a, title="Première", description="")
    Ticket.objects.filter(pk=ticket.pk).update(number=500)
    TicketCounter.objects.filter(name="ticket").delete()
    again = ticket_services.create_ticket(actor=client_a, title="Seconde", description="")
    assert again.number == 501


def test_the_migration_starts_the_cdc_counter_after_existing_requests(build):
    first = build.draft()
    ChangeRequest.objects.filter(pk=first.pk).update(number=7)
    TicketCounter.objects.filter(name="cdc").delete()
    _start_counter(apps, None)
    assert TicketCounter.objects.get(name="cdc").value == 7
    # Rerunnable, and never lowers a counter that went further.
    TicketCounter.objects.filter(name="cdc").update(value=9)
    _start_counter(apps, None)
    assert TicketCounter.objects.get(name="cdc").value == 9
    assert build.draft(title="Next").number == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_change_requests_get_unique_consecutive_numbers(build):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    workers, per_worker = 6, 3
    barrier = threading.Barrier(workers)
    errors = []

    def work():
        try:
            barrier.wait()
            for _ in range(per_worker):
                build.draft()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    numbers = sorted(ChangeRequest.objects.values_list("number", flat=True))
    assert numbers == list(range(1, workers * per_worker + 1))


def _at_once(create, count=2):
    """Run create() in count threads (each its own connection) released together."""
    barrier = threading.Barrier(count)
    errors = []

    def work():
        try:
            barrier.wait()
            create()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("counter", ["missing", "at zero"])
def test_two_change_requests_at_once_on_an_empty_table_get_1_and_2(build, counter):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    assert not ChangeRequest.objects.exists()
    TicketCounter.objects.filter(name="cdc").delete()
    if counter == "at zero":
        TicketCounter.objects.create(name="cdc", value=0)
    assert _at_once(build.draft) == []
    assert sorted(ChangeRequest.objects.values_list("number", flat=True)) == [1, 2]
    assert TicketCounter.objects.get(name="cdc").value == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("counter", ["missing", "at zero"])
def test_two_tickets_at_once_on_an_empty_table_get_1_and_2(client_a, counter):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    ensure_reference_data()
    assert not Ticket.objects.exists()
    TicketCounter.objects.filter(name="ticket").delete()
    if counter == "at zero":
        TicketCounter.objects.create(name="ticket", value=0)

    def create():
        ticket_services.create_ticket(actor=client_a, title="En même temps", description="")

    assert _at_once(create) == []
    assert sorted(Ticket.objects.values_list("number", flat=True)) == [1, 2]
    assert TicketCounter.objects.get(name="ticket").value == 2
