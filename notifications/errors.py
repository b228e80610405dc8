"""What the outbox's services refuse, for the pages to explain."""


class NotWaiting(Exception):
    """Sending again was asked for a row that is neither failed nor waiting for a retry."""
