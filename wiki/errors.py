class WikiError(Exception):
    """A change the knowledge base refuses, with a message for the person."""


class EditConflict(WikiError):
    """The page was saved by someone else since the person opened it."""
