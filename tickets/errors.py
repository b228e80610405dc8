"""Domain errors of tickets: services raise them, views show their message to the person."""


class TicketError(Exception):
    """Base class; str(error) is a sentence for the person."""


class TransitionRefused(TicketError):
    """The status change is not allowed from the current status."""


class StaleVersion(TicketError):
    """Someone else changed the ticket since the page was loaded."""


class InvalidInput(TicketError):
    """A value is missing or does not fit (empty reply, wrong type, unknown contact...)."""


class ReferenceRefused(TicketError):
    """A change to reference data that would break tickets (deleting a status in use...)."""
