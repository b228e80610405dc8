"""Gap-free numbers from named counters: tickets ("ticket") and change requests ("cdc").

Taking a number locks the counter's row until the caller's transaction ends, so two creations
never get the same number and a rolled-back one gives its number back. A missing counter row
(or one still at 0: fixtures, imports) is created and continues after the highest number taken.
Call it inside the transaction that creates the numbered row.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Max, QuerySet

from ..models import Ticket, TicketCounter

# TicketCounter's table (it keeps its first name, see the model).
TAKE_NEXT = (
    "UPDATE tickets_ticketcounter SET value = value + 1 WHERE name = %s AND value > 0 "
    "RETURNING value"
)


def next_number(name: str, numbered: QuerySet) -> int:
    """The next number of counter name; numbered holds the rows it numbers (field "number")."""
    # One statement when the counter is there and running: the UPDATE locks the row, as
    # select_for_update would, and returns the number taken.
    with connection.cursor() as cursor:
        cursor.execute(TAKE_NEXT, [name])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
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
