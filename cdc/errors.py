"""Domain errors of change requests: services raise them, views show their message."""


class ChangeRequestError(Exception):
    """Base class; str(error) is a sentence for the person."""


class TransitionRefused(ChangeRequestError):
    """The action is not allowed in this step or for this person."""


class InvalidDates(ChangeRequestError):
    """Dates in the wrong order."""


class NotReady(ChangeRequestError):
    """A precondition is missing (e.g. a task is not green yet)."""


class StaleVersion(ChangeRequestError):
    """Someone else changed the request since the page was loaded."""
