"""Signed links for people without an account (a web form's visitors).

One app hands another what it vouches for through a URL, so that neither imports the other:
integrations (the public web form) signs a chat entry naming the form, the sites that may frame
it and the type of its tickets; chat reads it back and trusts nothing else the visitor sends.
Signed with the project's SECRET_KEY and a salt of their own, so a token of one kind is
refused as another.
"""

from __future__ import annotations

from django.core import signing

CHAT_ENTRY_SALT = "helpdesk.visitor-chat-entry"
# The entry is in the form's page: a visitor opens the chat within the hour, or reloads the form.
CHAT_ENTRY_MAX_AGE = 3600


def sign_chat_entry(
    *, web_form: str, title: str, origins: list[str], ticket_type_id: int | None
) -> str:
    """The token a web form puts in its link to the visitors' chat."""
    payload = {"f": web_form, "t": title, "o": list(origins), "ty": ticket_type_id}
    return signing.dumps(payload, salt=CHAT_ENTRY_SALT, compress=True)


def read_chat_entry(token: str) -> dict | None:
    """{"web_form", "title", "origins", "ticket_type_id"}, or None if forged or expired."""
    try:
        data = signing.loads(token or "", salt=CHAT_ENTRY_SALT, max_age=CHAT_ENTRY_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), list):
        return None
    return {
        "web_form": str(data.get("f") or ""),
        "title": str(data.get("t") or ""),
        "origins": [str(o) for o in data["o"]],
        "ticket_type_id": data.get("ty") if isinstance(data.get("ty"), int) else None,
    }
