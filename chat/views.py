"""Live chat pages: the client's chat, the agents' panel, one conversation and its actions.
The conversation itself travels over the WebSocket (chat.consumers); these views render the
pages and take the actions that change a chat (take, transfer, end, leave)."""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core import ratelimit, visitor_links
from tickets import access as tickets_access
from tickets import caching as tickets_caching
from tickets.services import fill_canned_reply

from . import access, selectors, services
from .errors import ChatError
from .forms import AvailabilityForm, EndChatForm, StartChatForm, TransferForm, VisitorStartForm

# In the session: this agent takes chats, so their top bar shows the live count (and rings).
# Kept in the session so that the top bar of every page costs no query.
TOP_BAR_KEY = "chat_available"


def _socket(path: str) -> dict:
    return {"ws_origin": settings.CHAT_WEBSOCKET_ORIGIN, "ws_path": path}


@require_GET
def chat_home(request):
    """Agents: availability, waiting list, their open chats. Clients: start a chat (or leave a
    ticket when nobody can answer) and their past chats. Sales reps: their clients' chats."""
    user = request.user
    if not access.has_chat_page(user):
        raise Http404
    context = {"nav_active": "chat", "recent": selectors.recent_chats(user)}
    if access.answers_chats(user):
        available = selectors.is_available(user)
        if request.session.get(TOP_BAR_KEY) != available:
            request.session[TOP_BAR_KEY] = available
        context.update(
            available=available,
            waiting=selectors.waiting_rows(user),
            mine=selectors.open_chats_of(user),
            **_socket("/ws/chat/queue/"),
        )
        return render(request, "chat/panel.html", context)
    if access.can_start_chat(user):
        context.update(
            form=StartChatForm(),
            open_now=selectors.is_business_hours(),
            agents_on=selectors.agents_available(),
            can_file_ticket=tickets_access.can_create_ticket(user),
        )
    return render(request, "chat/home.html", context)


@require_POST
def chat_start(request):
    user = request.user
    if not access.can_start_chat(user):
        raise Http404
    form = StartChatForm(request.POST)
    if form.is_valid():
        try:
            chat = services.start_chat(actor=user, **form.cleaned_data)
        except ChatError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(chat)
    context = {
        "nav_active": "chat",
        "form": form,
        "recent": selectors.recent_chats(user),
        "open_now": selectors.is_business_hours(),
        "agents_on": selectors.agents_available(),
        "can_file_ticket": tickets_access.can_create_ticket(user),
    }
    return render(request, "chat/home.html", context, status=400)


@require_POST
def chat_availability(request):
    if not access.answers_chats(request.user):
        raise Http404
    form = AvailabilityForm(request.POST)
    form.is_valid()
    available = bool(form.cleaned_data.get("available"))
    services.set_availability(actor=request.user, available=available)
    request.session[TOP_BAR_KEY] = available
    return redirect("chat:home")


@require_GET
def chat_waiting(request):
    """The waiting list (htmx fragment, refreshed when the queue socket says it changed)."""
    if not access.answers_chats(request.user):
        raise Http404
    return render(request, "chat/_waiting.html", {"waiting": selectors.waiting_rows(request.user)})


@require_GET
def chat_mine(request):
    """The chats this agent answers (htmx fragment, refreshed when one is transferred to them)."""
    if not access.answers_chats(request.user):
        raise Http404
    return render(request, "chat/_mine.html", {"mine": selectors.open_chats_of(request.user)})


@require_GET
def chat_detail(request, pk):
    user = request.user
    chat = access.get_visible_chat_or_404(user, pk)
    handles = access.can_handle(user, chat)
    rows = selectors.messages_after(chat.pk)
    context = {
        "nav_active": "chat",
        "chat": chat,
        "chat_messages": rows,
        "last_seq": rows[-1].seq if rows else 0,
        "can_post": access.can_post(user, chat),
        "can_take": access.can_take(user, chat),
        "can_handle": handles,
        "can_leave": access.can_leave(user, chat),
        "is_client": user.pk == chat.client_id,
        **_socket(f"/ws/chat/{chat.pk}/"),
    }
    if handles:
        reference = tickets_caching.reference()
        context.update(
            canned=[
                (c.title, fill_canned_reply(c, ticket=None, agent=user))
                for c in reference.canned_replies
            ],
            transfer_form=TransferForm(agents=selectors.available_agents(exclude=user)),
            end_form=EndChatForm(),
        )
    return render(request, "chat/detail.html", context)


def _act(request, pk, action):
    chat = access.get_visible_chat_or_404(request.user, pk)
    try:
        action(chat)
    except PermissionDenied:
        raise
    except ChatError as exc:
        messages.error(request, str(exc))
    return chat


@require_POST
def chat_take(request, pk):
    chat = _act(request, pk, lambda c: services.take_chat(actor=request.user, chat=c))
    return redirect(chat)


@require_POST
def chat_transfer(request, pk):
    user = request.user
    chat = access.get_visible_chat_or_404(user, pk)
    agents = selectors.available_agents(exclude=user)
    form = TransferForm(request.POST, agents=agents)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or _("Check the transfer."))
        return redirect(chat)
    to_agent = next((a for a in agents if a.pk == form.cleaned_data.get("agent")), None)
    try:
        services.transfer_chat(
            actor=user, chat=chat, to_agent=to_agent, level=form.cleaned_data.get("level")
        )
    except ChatError as exc:
        messages.error(request, str(exc))
        return redirect(chat)
    messages.success(request, _("The chat has been transferred."))
    return redirect("chat:home")


@require_POST
def chat_end(request, pk):
    user = request.user
    chat = access.get_visible_chat_or_404(user, pk)
    form = EndChatForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the ticket number."))
        return redirect(chat)
    try:
        ticket = services.end_chat(
            actor=user, chat=chat, ticket_number=form.cleaned_data.get("ticket_number")
        )
    except ChatError as exc:
        messages.error(request, str(exc))
        return redirect(chat)
    messages.success(
        request, _("The chat has ended; its transcript is in ticket #%(n)s.") % {"n": ticket.number}
    )
    return redirect(ticket)


@require_POST
def chat_leave(request, pk):
    chat = _act(request, pk, lambda c: services.leave_chat(actor=request.user, chat=c))
    return redirect(chat)


@require_POST
def chat_transcript(request, pk):
    chat = access.get_visible_chat_or_404(request.user, pk)
    services.ask_transcript(actor=request.user, chat=chat)
    messages.success(request, _("You will receive the transcript by email."))
    return redirect(chat)


# --- web form visitors (no account: a signed link is their key) --------------------------

VISITOR_CHATS_PER_HOUR = 10


def _framable(response, origins: list[str]):
    """A visitor's pages may be framed only by the sites of the web form they came from."""
    response._csp_replace = {"frame-ancestors": origins or ["'none'"]}
    response.xframe_options_exempt = True
    return response


@login_not_required
@csrf_exempt  # in another site's iframe, where the browser sends no cookie to us
def visitor_start(request):
    """A web form's visitor gives their name, email and question (the form's signed entry in
    ?entry= says which form, which sites may frame this page and the type of its tickets)."""
    entry = visitor_links.read_chat_entry(request.GET.get("entry", ""))
    if entry is None:
        raise Http404
    form = VisitorStartForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_spam:  # the honeypot: nothing opened, nothing said
        form = VisitorStartForm()
    elif request.method == "POST":
        ip = request.META.get("REMOTE_ADDR", "") or "unknown"
        if ratelimit.hit("chat-visitor", ip, 3600).count > VISITOR_CHATS_PER_HOUR:
            form.add_error(None, _("Too many requests from your address: try again in an hour."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                chat = services.start_visitor_chat(
                    entry=entry, name=data["name"], email=data["email"], body=data["body"]
                )
            except ChatError as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                response = redirect("chat:visitor", access.visitor_token(chat))
                return _framable(response, entry["origins"])
        else:
            status = 400
    context = {
        "form": form,
        "entry": entry,
        "open_now": selectors.is_business_hours(),
        "agents_on": selectors.agents_available(),
        "form_url": reverse("integrations:web-form", args=[entry["web_form"]]),
    }
    response = render(request, "chat/visitor_start.html", context, status=status)
    return _framable(response, entry["origins"])


@login_not_required
@require_GET
def visitor_chat(request, token):
    """The visitor's conversation (the socket carries it; this renders what is stored)."""
    chat = access.get_visitor_chat_or_404(token)
    rows = selectors.messages_after(chat.pk)
    context = {
        "chat": chat,
        "token": token,
        "chat_messages": rows,
        "last_seq": rows[-1].seq if rows else 0,
        "can_post": access.visitor_can_post(chat),
        "visitor_page": True,
        **_socket(f"/ws/chat/visit/{token}/"),
    }
    return _framable(render(request, "chat/visitor.html", context), chat.origins)


@login_not_required
@csrf_exempt  # the key is the signed link in the URL, not a cookie (none in a third-party frame)
@require_POST
def visitor_leave(request, token):
    chat = access.get_visitor_chat_or_404(token)
    with contextlib.suppress(ChatError):  # already ended: the page says so
        services.leave_visitor_chat(chat=chat)
    return _framable(redirect("chat:visitor", token), chat.origins)
