class ChatError(Exception):
    """A chat action refused for a reason the person can read (the message)."""


class ChatClosed(ChatError):
    """The chat has ended or was taken by someone else."""


class ChatUnavailable(ChatError):
    """Outside business hours, or no agent available."""
