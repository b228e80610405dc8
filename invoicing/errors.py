"""Domain errors of invoicing: services raise them, views show their message to the person."""


class InvoicingError(Exception):
    """Base class; str(error) is a sentence for the person."""


class StaleVersion(InvoicingError):
    """Someone else changed the row since the page was loaded."""


class Immutable(InvoicingError):
    """An issued invoice (or a signed intervention) does not change."""


class AlreadyBilled(InvoicingError):
    """Something on the draft was billed meanwhile (by another invoice): rebuild the draft."""
