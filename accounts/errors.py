"""Domain errors of the accounts app, shown to the person as form errors or messages."""


class AccountError(Exception):
    """An account action that cannot be done; str(error) is a translated message."""
