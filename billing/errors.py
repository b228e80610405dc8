"""Domain errors of billing: services raise them, views show their message to the person."""


class BillingError(Exception):
    """Base class; str(error) is a sentence for the person."""


class InvalidDuration(BillingError):
    """A duration that cannot be read, or is ambiguous, zero, negative or too long."""


class StaleVersion(BillingError):
    """Someone else changed the row since the page was loaded."""


class Locked(BillingError):
    """The entry is in a submitted or approved timesheet: it cannot be edited."""


class EstimateClosed(BillingError):
    """The estimate was already accepted, refused or replaced, or its link was used or expired."""
