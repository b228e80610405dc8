"""Every change to a live chat: one function per verb.

A client starts a chat (during business hours, when an agent is available) and writes; an
agent takes it (a conditional UPDATE: of two agents, one wins), writes, transfers it to another
agent or back to the waiting list of a level, and ends it as a ticket (channel "chat", the
transcript in its timeline, the agent assigned) or attached to an existing ticket. Every change
is stored first, then pushed to the sockets after the commit (chat.push); a system message
records each step in the conversation itself.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import User
from core.text import is_storable, storable
from notifications import mail
from tickets import access as tickets_access
from tickets import services as tickets
from tickets.models import Event, Ticket, TicketType

from . import access, push, selectors
from .errors import ChatClosed, ChatError, ChatUnavailable
from .models import AgentPresence, Chat, Message


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.email) if user else ""


# The ORM's update() returns no values; chat_chat is Chat's table.
_NEXT_SEQ = (
    "UPDATE chat_chat SET last_seq = last_seq + 1 WHERE id = %s "
    "RETURNING last_seq, status, agent_id"
)


def _next_seq(chat: Chat) -> int | None:
    """Take the chat's next message number and refresh chat.status and chat.agent_id (None: the
    chat is gone). Call inside the transaction that stores the message: the UPDATE locks the
    chat's row until the commit, so numbers are handed out in commit order, without gaps."""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQ, [chat.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    seq, chat.status, chat.agent_id = row
    return seq


def _append(chat: Chat, **fields) -> Message:
    """Store a message as the chat's next one (inside a transaction)."""
    return Message.objects.create(chat=chat, seq=_next_seq(chat), **fields)


def _system(chat: Chat, text: str) -> Message:
    message = _append(chat, kind=Message.Kind.SYSTEM, body=text)
    push.after_commit(
        push.chat_group(chat.pk),
        {"type": "chat.message", "message": selectors.message_payload(message)},
    )
    return message


def _state(chat: Chat) -> None:
    """Push the chat's status (who answers, ended, its ticket) to its socket group."""
    push.after_commit(
        push.chat_group(chat.pk),
        {
            "type": "chat.state",
            "status": chat.status,
            "agent_id": chat.agent_id,
            "agent": _name(chat.agent) if chat.agent_id else "",
        },
    )


def _queue_changed() -> None:
    def send():
        levels = selectors.waiting_counts()
        push._send(
            push.QUEUE_GROUP,
            {"type": "queue.changed", "count": sum(levels.values()), "levels": levels},
        )

    transaction.on_commit(send)


def _lock(chat: Chat) -> Chat:
    return (
        Chat.objects.select_for_update(of=("self",))
        .select_related("client", "agent", "organization")
        .get(pk=chat.pk)
    )


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ChatError(_("Write a message."))
    if len(body) > settings.CHAT_MESSAGE_MAX:
        raise ChatError(
            _("A message holds at most %(max)s characters.") % {"max": settings.CHAT_MESSAGE_MAX}
        )
    if "\x00" in body:
        raise ChatError(_("This message contains characters that cannot be saved."))
    return body


@transaction.atomic
def set_availability(*, actor: User, available: bool) -> AgentPresence:
    """An agent (or admin) switches chat on or off for themselves."""
    if not access.answers_chats(actor):
        raise PermissionDenied
    presence, _created = AgentPresence.objects.update_or_create(
        user=actor, defaults={"available": available, "changed_at": timezone.now()}
    )
    return presence


def _single_line(value: str, limit: int) -> str:
    """A name as one line: no CR/LF or other control characters (it goes into timelines and
    email headers), no NUL."""
    value = "".join(ch if ch.isprintable() else " " for ch in storable(value or ""))
    return " ".join(value.split())[:limit]


@transaction.atomic
def start_visitor_chat(*, entry: dict, name: str, email: str, body: str) -> Chat:
    """A web form's visitor opens a chat with their first message (entry: the form's signed
    chat entry, core.visitor_links). Refused (ChatUnavailable) outside business hours or when no
    agent is available. The email is what they typed: it matches no account here (the ticket is
    filed unidentified when the chat ends)."""
    if not selectors.is_business_hours() or not selectors.agents_available():
        raise ChatUnavailable(_("No agent can answer right now."))
    body = _clean(body)
    email = (email or "").strip()
    if not email or not is_storable(email) or any(c in email for c in "\r\n"):
        raise ChatError(_("Enter a valid email address."))
    chat = Chat.objects.create(
        client=None,
        organization=None,
        visitor_name=_single_line(name, 150),
        visitor_email=email[:254],
        visitor_origins=" ".join(entry["origins"]),
        web_form=entry["web_form"] or None,
        ticket_type=TicketType.objects.filter(pk=entry["ticket_type_id"], is_active=True).first()
        if entry["ticket_type_id"]
        else None,
        subject=_single_line(body.splitlines()[0], 200),
    )
    _append(chat, author=None, body=body)
    _queue_changed()
    return chat


@transaction.atomic
def leave_visitor_chat(*, chat: Chat) -> Chat:
    """The visitor ends their chat (as leave_chat does for a client)."""
    chat = _lock(chat)
    if not access.visitor_can_post(chat):
        raise ChatClosed(_("This chat has ended."))
    _system(chat, _("%(client)s has left the chat.") % {"client": chat.person})
    if chat.status == Chat.Status.WAITING:
        chat.status, chat.ended_at = Chat.Status.ENDED, timezone.now()
        chat.save(update_fields=["status", "ended_at"])
        _queue_changed()
    _state(chat)
    return chat


@transaction.atomic
def start_chat(*, actor: User, subject: str, body: str, wants_transcript: bool = False) -> Chat:
    """A client opens a chat with their first message; refused (ChatUnavailable) outside
    business hours or when no agent is available. Writes Chat + Message; pushes the waiting
    count to the agents."""
    if not access.can_start_chat(actor):
        raise PermissionDenied
    if not selectors.is_business_hours() or not selectors.agents_available():
        raise ChatUnavailable(_("No agent can answer right now."))
    body = _clean(body)
    subject = " ".join((subject or "").split())[:200] or body.splitlines()[0][:200]
    chat = Chat.objects.create(
        client=actor,
        organization=actor.organization,
        subject=subject,
        wants_transcript=wants_transcript,
    )
    _append(chat, author=actor, body=body)
    _queue_changed()
    return chat


def post_message(*, actor: User, chat: Chat, body: str, push_after: bool = True) -> Message:
    """The client or the agent who took the chat writes. Stored, then pushed after commit
    (push_after=False: the caller pushes it, e.g. the socket that received it, without holding a
    database thread for the round trip to the channel layer)."""
    return _post(chat, body, actor, lambda c: access.can_post(actor, c), push_after)


def post_visitor_message(*, chat: Chat, body: str, push_after: bool = True) -> Message:
    """A web form's visitor writes in their chat (the caller opened it with their signed link:
    access.get_visitor_chat_or_404)."""
    return _post(chat, body, None, access.visitor_can_post, push_after)


def _post(chat: Chat, body: str, author: User | None, allowed, push_after: bool) -> Message:
    """Store a message. Its number is taken on the chat's row, which also says whether the
    writer may still write (a chat ending at the same moment holds the row until it has ended;
    this writer then reads "ended")."""
    body = _clean(body)
    with transaction.atomic():
        seq = _next_seq(chat)
        if seq is None:
            raise ChatClosed(_("This chat does not exist any more."))
        if not allowed(chat):  # rolls the number back with the transaction
            if not chat.is_open:
                raise ChatClosed(_("This chat has ended."))
            raise PermissionDenied
        message = Message.objects.create(chat=chat, seq=seq, author=author, body=body)
    message.author = author
    if push_after:
        push.after_commit(push.chat_group(chat.pk), message_event(message))
    return message


def message_event(message: Message) -> dict:
    """The channel layer event that delivers message to its chat's sockets."""
    return {"type": "chat.message", "message": selectors.message_payload(message)}


@transaction.atomic
def take_chat(*, actor: User, chat: Chat) -> Chat:
    """An agent takes a waiting chat. One conditional UPDATE decides between agents taking it
    at the same moment: the one whose update changed the row wins; the others get ChatClosed."""
    if not access.answers_chats(actor) or not access.may_take_level(actor, chat.support_level):
        raise PermissionDenied
    now = timezone.now()
    won = Chat.objects.filter(pk=chat.pk, status=Chat.Status.WAITING).update(
        status=Chat.Status.ACTIVE, agent=actor, taken_at=now
    )
    if not won:
        raise ChatClosed(_("Another agent has already taken this chat."))
    chat = Chat.objects.select_related("client", "agent", "organization").get(pk=chat.pk)
    _system(chat, _("%(agent)s has joined the chat.") % {"agent": _name(actor)})
    _state(chat)
    _queue_changed()
    return chat


@transaction.atomic
def transfer_chat(
    *, actor: User, chat: Chat, to_agent: User | None = None, level: int | None = None
) -> Chat:
    """The agent hands the chat to another available agent, or back to the waiting list of a
    support level (the agents of that level see it and take it)."""
    chat = _lock(chat)
    if not access.can_handle(actor, chat):
        raise PermissionDenied
    if to_agent is not None:
        if not access.answers_chats(to_agent) or to_agent.pk == chat.agent_id:
            raise ChatError(_("Choose another agent."))
        chat.agent = to_agent
        chat.save(update_fields=["agent"])
        _system(
            chat,
            _("%(old)s has transferred the chat to %(new)s.")
            % {"old": _name(actor), "new": _name(to_agent)},
        )
        # The new agent's top bar pops a notice (and rings) and their panel lists the chat.
        push.after_commit(
            push.agent_group(to_agent.pk),
            {
                "type": "chat.assigned",
                "chat": chat.pk,
                "subject": chat.subject,
                "person": chat.person,
                "by": _name(actor),
                "url": chat.get_absolute_url(),
            },
        )
    elif level in (1, 2, 3):
        chat.status, chat.agent, chat.support_level = Chat.Status.WAITING, None, level
        chat.save(update_fields=["status", "agent", "support_level"])
        _system(
            chat,
            _("%(old)s has transferred the chat to level %(level)s; please wait.")
            % {"old": _name(actor), "level": level},
        )
        _queue_changed()
    else:
        raise ChatError(_("Choose an agent or a level."))
    _state(chat)
    return chat


def transcript_text(chat: Chat, messages: list[Message]) -> str:
    """The conversation as plain text, one line per message: "[10:02] Name: text" (events:
    "[10:01] Alan Agent has joined the chat.")."""
    lines = []
    for message in messages:
        at = timezone.localtime(message.created_at).strftime("%H:%M")
        if message.kind == Message.Kind.SYSTEM:
            lines.append(f"[{at}] {message.body}")
        elif not message.author_id:  # the visitor (a client's account is never deleted)
            lines.append(f"[{at}] {chat.person}: {message.body}")
        else:
            lines.append(f"[{at}] {_name(message.author)}: {message.body}")
    return "\n".join(lines)


# Emphasis, code, links and headings, escaped with a backslash as Python-Markdown
# (core.html.render_markdown) reads them; "<" and "&" become entities (raw HTML would pass
# through Markdown, then the sanitizer).
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]#])")


def markdown_literal(text: str) -> str:
    """text as the ticket timeline (Markdown) shows it literally: what the people typed,
    "<b>" and "*" included, not formatting."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def _visitor_ticket(actor: User, chat: Chat) -> Ticket:
    """A visitor's chat is filed as the web form files: unidentified (the contact is the email
    typed, for an agent to link), never in the name of an account with that email."""
    who = f"{chat.visitor_name} <{chat.visitor_email}>" if chat.visitor_name else chat.visitor_email
    ticket, _event = tickets.create_ticket_from_email(
        sender=None,
        contact_email=chat.visitor_email,
        title=chat.subject,
        description=_("Live chat with %(client)s, a visitor of a web form.") % {"client": who},
        type=chat.ticket_type,
        channel=Ticket.Channel.CHAT,
        data={"chat": chat.pk, "web_form": str(chat.web_form or "")},
    )
    if tickets_access.can_claim(actor, ticket):
        tickets.claim(actor=actor, ticket=ticket)
    return ticket


def _ticket_for(actor: User, chat: Chat, ticket_number: int | None) -> Ticket:
    if ticket_number is None and chat.is_visitor:
        return _visitor_ticket(actor, chat)
    if ticket_number is None:
        ticket = tickets.create_ticket(
            actor=actor,
            title=chat.subject,
            description=_("Live chat with %(client)s.") % {"client": _name(chat.client)},
            organization=chat.organization,
            requester=chat.client,
            channel=Ticket.Channel.CHAT,
        )
        if tickets_access.can_claim(actor, ticket):
            tickets.claim(actor=actor, ticket=ticket)
        return ticket
    ticket = (
        tickets_access.visible_tickets(actor)
        .filter(number=ticket_number, organization_id=chat.organization_id)
        .first()
    )
    if ticket is None:
        raise ChatError(_("No ticket of this client has that number."))
    return ticket


@transaction.atomic
def end_chat(*, actor: User, chat: Chat, ticket_number: int | None = None) -> Ticket:
    """The agent ends the chat: a new ticket (channel chat, the client as requester, the agent
    assigned) or the existing ticket ticket_number of the client's organization gets the
    transcript as one timeline event. Emails the transcript to the client if they asked."""
    chat = _lock(chat)
    if not access.can_handle(actor, chat):
        if not chat.is_open:
            raise ChatClosed(_("This chat has ended."))
        raise PermissionDenied
    ticket = _ticket_for(actor, chat, ticket_number)
    _system(chat, _("%(agent)s has ended the chat.") % {"agent": _name(actor)})
    messages = list(Message.objects.filter(chat=chat).select_related("author").order_by("seq"))
    tickets.add_event(
        ticket,
        actor,
        Event.Kind.REPLY,
        action_type=Event.ActionType.HISTORY,
        body=markdown_literal(transcript_text(chat, messages)),
        data={"chat": chat.pk},
    )
    chat.status, chat.ended_at, chat.ticket = Chat.Status.ENDED, timezone.now(), ticket
    chat.save(update_fields=["status", "ended_at", "ticket"])
    push.after_commit(
        push.chat_group(chat.pk),
        {"type": "chat.state", "status": chat.status, "ticket": ticket.number},
    )
    if chat.wants_transcript:
        _email_transcript(chat, messages, ticket)
    return ticket


@transaction.atomic
def leave_chat(*, actor: User, chat: Chat) -> Chat:
    """The client ends their chat. A chat nobody took just ends (the page offers to file a
    ticket); one in progress stays for its agent to turn into a ticket (end_chat)."""
    chat = _lock(chat)
    if not access.can_leave(actor, chat):
        raise PermissionDenied
    _system(chat, _("%(client)s has left the chat.") % {"client": _name(actor)})
    if chat.status == Chat.Status.WAITING:
        chat.status, chat.ended_at = Chat.Status.ENDED, timezone.now()
        chat.save(update_fields=["status", "ended_at"])
        _queue_changed()
    _state(chat)
    return chat


@transaction.atomic
def ask_transcript(*, actor: User, chat: Chat) -> Chat:
    """The client asks for the transcript by email (sent when the chat ends, or now if it
    has ended)."""
    if actor.pk != chat.client_id:
        raise PermissionDenied
    Chat.objects.filter(pk=chat.pk).update(wants_transcript=True)
    chat.wants_transcript = True
    if not chat.is_open:
        messages = list(Message.objects.filter(chat=chat).select_related("author").order_by("seq"))
        _email_transcript(chat, messages, chat.ticket)
    return chat


def _email_transcript(chat: Chat, messages: list[Message], ticket: Ticket | None) -> None:
    client = chat.client
    with override(client.language or settings.LANGUAGE_CODE):
        text = transcript_text(chat, messages)
    mail.send(
        "chat_transcript",
        to=client.email,
        context={"chat": chat, "client": client, "transcript": text, "ticket": ticket},
        language=client.language or None,
        kind="chat_transcript",
        ticket_number=ticket.number if ticket else None,
        key=f"chat-transcript-{chat.pk}-{len(messages)}",
    )
