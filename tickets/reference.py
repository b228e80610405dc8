"""The reference rows pages read (statuses, priorities, ticket types, the calendar, canned
replies): kept in tickets.caching with the rest of the app's caches. This import path stays for
the modules that read them (reference.get(), reference.attach(tickets))."""

from .caching import Reference
from .caching import attach_reference as attach
from .caching import reference as get

__all__ = ["Reference", "attach", "get"]
