"""After-commit publication of ticket happenings, for notifications and webhooks to subscribe to.

    from tickets import events

    @events.subscriber(events.TICKET_REPLIED)
    def send_reply_email(*, name, ticket_id, event_id): ...

Services call publish(...) inside their transaction; subscribers run once it commits (never for a
rolled-back change). A failing subscriber is logged and does not affect the others. Subscribers
get ids only and load what they need (typically by queueing a Celery task).

A subscriber that writes rows which must commit or roll back with the change itself (the
notification jobs: an outbox row per event) subscribes with subscribe_in_transaction(): it runs
inside publish(), in the service's transaction, and an error in it fails the change.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

TICKET_CREATED = "ticket_created"
TICKET_REPLIED = "ticket_replied"  # public replies and internal notes: check event.is_internal
TICKET_STATUS_CHANGED = "ticket_status_changed"
TICKET_ASSIGNED = "ticket_assigned"
TICKET_REOPENED = "ticket_reopened"
TICKET_AUTO_CLOSE_WARNING = "ticket_auto_close_warning"
NAMES = frozenset(
    {
        TICKET_CREATED,
        TICKET_REPLIED,
        TICKET_STATUS_CHANGED,
        TICKET_ASSIGNED,
        TICKET_REOPENED,
        TICKET_AUTO_CLOSE_WARNING,
    }
)

Subscriber = Callable[..., None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)
_in_transaction: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(name: str, func: Subscriber) -> Subscriber:
    if name not in NAMES:
        raise ValueError(f"unknown ticket event {name!r}")
    if func not in _subscribers[name]:
        _subscribers[name].append(func)
    return func


def subscribe_in_transaction(name: str, func: Subscriber) -> Subscriber:
    """func(name=..., ticket_id=..., event_id=...) runs at publish, inside the transaction."""
    if name not in NAMES:
        raise ValueError(f"unknown ticket event {name!r}")
    if func not in _in_transaction[name]:
        _in_transaction[name].append(func)
    return func


def unsubscribe(name: str, func: Subscriber) -> None:
    for table in (_subscribers, _in_transaction):
        if func in table[name]:
            table[name].remove(func)


def subscriber(name: str):
    """Decorator form of subscribe()."""
    return partial(subscribe, name)


def _deliver(name: str, ticket_id: int, event_id: int | None) -> None:
    for func in list(_subscribers[name]):
        try:
            func(name=name, ticket_id=ticket_id, event_id=event_id)
        except Exception:
            logger.exception("ticket event subscriber %r failed for %s", func, name)


def publish(name: str, *, ticket_id: int, event_id: int | None = None) -> None:
    """Run the in-transaction subscribers of name now, and deliver it to the others once the
    current transaction commits."""
    if name not in NAMES:
        raise ValueError(f"unknown ticket event {name!r}")
    for func in list(_in_transaction[name]):
        func(name=name, ticket_id=ticket_id, event_id=event_id)
    transaction.on_commit(partial(_deliver, name, ticket_id, event_id))
