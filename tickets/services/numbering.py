"""Gap-free numbers from named counters: tickets ("ticket") and change requests ("cdc").

Taking a number locks the counter's row until the caller's transaction ends, so two creations
never get the same number and a rolled-back one gives its number back. A missing counter row
(or one still at 0: fixtures, imports) is created and continues after the highest number taken.
Call it inside the transaction that creates the numbered row.
"""

from __future__ import annotations

from django.db.models import Max, QuerySet

from ..models import Ticket, TicketCounter


def next_number(name: str, numbered: QuerySet) -> int:
    """The next number of counter name; numbered holds the rows it numbers (field "number")."""
    counter = TicketCounter.objects.select_for_update().filter(name=name).first()
    if counter is None:
        TicketCounter.objects.get_or_create(name=name)
        counter = TicketCounter.objects.select_for_update().get(name=name)
    if counter.value == 0:
        counter.value = numbered.aggregate(highest=Max("number"))["highest"] or 0
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def next_ticket_number() -> int:
    return next_number("ticket", Ticket.objects.all())
