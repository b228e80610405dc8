"""Domain errors of integrations: services raise them, views show their message."""


class IntegrationError(Exception):
    """Base class; str(error) is a sentence for the person."""


class IdempotencyConflict(IntegrationError):
    """The Idempotency-Key was used before with another request body."""
