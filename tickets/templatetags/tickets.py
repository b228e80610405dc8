"""{% load tickets %}: Markdown rendering (sanitized in core.html), small formatters, the
queue's rows and the ticket page's timeline."""

import functools
import html

from django import template
from django.template.defaultfilters import filesizeformat
from django.template.loader import get_template
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import date_format, get_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.html import render_markdown
from intake.quotes import split_quoted
from tickets.models import Event
from tickets.selectors import COUNTER_CAP

register = template.Library()


@register.filter
def markdown(text):
    return render_markdown(text or "")


@register.filter
def filesize(size):
    return filesizeformat(size)


@register.filter
def counter(value):
    """A to-do count: "999+" past tickets.selectors.COUNTER_CAP, where counting stops."""
    return f"{COUNTER_CAP}+" if value > COUNTER_CAP else value


def _text(value) -> str:
    """escape(value) without the lazy-string check: for the values of the queue's rows, which
    are never lazy (the rows' markup is marked safe as a whole)."""
    return html.escape(str(value))


# Badges are filters rather than included templates: the queue shows dozens per page.
@register.filter
def status_badge(status):
    if status is None:
        return ""
    return mark_safe(  # noqa: S308 - both values escaped
        f'<span class="badge ticket-status {_text(status.css_class)}">{_text(status.name)}</span>'
    )


@register.filter
def priority_badge(priority):
    if priority is None:
        return ""
    return mark_safe(  # noqa: S308 - both values escaped
        f'<span class="badge ticket-priority priority-{_text(priority.code)}">'
        f"{_text(priority.name)}</span>"
    )


def _person(user) -> str:
    """{{ user.get_full_name|default:user.email }}, escaped."""
    return _text(user.get_full_name() or user.email)


# Django date format codes that strftime writes the same way (zero-padded numbers).
_STRFTIME_CODES = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}


@functools.lru_cache(maxsize=32)
def _as_strftime(django_format: str) -> str | None:
    """The strftime pattern that writes what django_format writes, or None when it has a code
    strftime writes differently (month names, "P" for noon and a.m. …)."""
    pattern = []
    for char in django_format:
        if char in _STRFTIME_CODES:
            pattern.append(_STRFTIME_CODES[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            pattern.append("%%" if char == "%" else char)
    return "".join(pattern)


def _short_datetimes():
    """A function writing datetimes as {{ value|date:"SHORT_DATETIME_FORMAT" }} does in the
    active language, its format looked up once: 50 dates a queue page, where date_format looks
    the format up and parses it each time. strftime (C) writes the formats it can (French
    "d/m/Y H:i"); Django's formatter the others (English "m/d/Y P")."""
    django_format = get_format("SHORT_DATETIME_FORMAT")
    pattern = _as_strftime(django_format)

    def write(moment) -> str:
        if not moment:
            return ""
        local = template_localtime(moment)
        return local.strftime(pattern) if pattern else dateformat.format(local, django_format)

    return write


# The queue's rows are written here rather than in the template: 25 rows of a dozen cells
# took a good third of the page's rendering through the template engine. Every value from the
# database goes through _text() (escape).
@register.simple_tag
def queue_rows(tickets, bulk):
    """The <tr> of each ticket in the queue (templates/tickets/list.html), given with their
    assignee_names (tickets.selectors.with_assignee_names); bulk: with the selection checkbox."""
    # The detail URL once, then each ticket's number in its place.
    marker = 987654321
    url_start, url_end = reverse("tickets:detail", args=[marker]).split(str(marker))
    words = {
        "overdue": _text(_("Overdue")),
        "unidentified": _text(_("Unidentified")),
        "unassigned": _text(_("Unassigned")),
        "select": _("Select ticket #%(number)s"),
    }
    when = _short_datetimes()
    rows = []
    for ticket in tickets:
        url = _text(f"{url_start}{ticket.number}{url_end}")
        rows.append(_queue_row(ticket, bulk, url, words, when))
    return mark_safe("".join(rows))  # noqa: S308 - escaped above and in _queue_row


def _queue_row(ticket, bulk, url, words, when) -> str:
    number = ticket.number
    out = ['<tr class="ticket-overdue">' if ticket.is_overdue else "<tr>"]
    if bulk:
        label = _text(words["select"] % {"number": number})
        out.append(
            '<td class="bulk-cell"><input class="form-check-input bulk-select" type="checkbox"'
            f' form="bulk-form" name="tickets" value="{number}" aria-label="{label}"></td>'
        )
    out.append(f'<td class="text-nowrap"><a class="fw-semibold" href="{url}">#{number}</a></td>')
    out.append(
        '<td class="ticket-title-cell"><a class="link-body-emphasis text-decoration-none"'
        f' href="{url}">{_text(ticket.title)}</a>'
    )
    if ticket.is_overdue:
        out.append(f'<span class="badge text-bg-danger ms-1">{words["overdue"]}</span>')
    if ticket.type:
        out.append(f'<div class="small text-body-secondary">{_text(ticket.type.name)}</div>')
    out.append("</td><td>")
    if ticket.organization_id:
        out.append(_text(ticket.organization.name))
    else:
        out.append(
            f'<span class="badge text-bg-warning">{words["unidentified"]}</span>'
            f' <span class="small">{_text(ticket.contact_email)}</span>'
        )
    if ticket.requester:
        out.append(f'<div class="small text-body-secondary">{_person(ticket.requester)}</div>')
    out.append(f"</td><td>{status_badge(ticket.status)}</td>")
    out.append(f"<td>{priority_badge(ticket.priority)}</td>")
    assignees = ", ".join(_text(name) for name in ticket.assignee_names)
    if not assignees:
        assignees = f'<span class="text-body-secondary">{words["unassigned"]}</span>'
    out.append(f'<td class="small">{assignees}</td>')
    out.append(f'<td class="small text-nowrap">{when(ticket.created_at)}</td>')
    out.append(f'<td class="small text-nowrap">{when(ticket.last_activity_at)}')
    if ticket.last_activity_by:
        out.append(f'<div class="text-body-secondary">{_person(ticket.last_activity_by)}</div>')
    out.append("</td></tr>")
    return "".join(out)


# The ticket page's timeline is written here for the same reason as the queue's rows: a
# template per event cost ~0.3 ms each (tickets with hundreds of events). Same markup as the
# former templates/tickets/_event.html; attachments still come from their template.
_KIND_WORDS = {
    "created": gettext_lazy("filed the ticket"),
    "reply": gettext_lazy("replied"),
    "note": gettext_lazy("wrote an internal note"),
    "assignment": gettext_lazy("changed the assignees"),
    "claim": gettext_lazy("took the ticket"),
    "attachment": gettext_lazy("attached a file"),
}
_SHOWN_ACTION_TYPES_EXCEPT = ("event", "history")
# get_FOO_display() translates every label of the field's choices to find one.
_ACTION_TYPES = dict(Event.ActionType.choices)
_KINDS = dict(Event.Kind.choices)


@register.simple_tag
def timeline_events(events, ticket):
    """The <li> of each event of the ticket page's timeline (templates/tickets/detail.html)."""
    attachments = get_template("tickets/_attachments.html")
    return mark_safe(  # noqa: S308 - escaped in _event_item
        "".join(_event_item(event, ticket, attachments) for event in events)
    )


def _what(event) -> str:
    """What the actor did (the translated sentences are HTML-safe, values are escaped)."""
    kind, data = event.kind, event.data or {}
    if kind in _KIND_WORDS:
        return str(_KIND_WORDS[kind])
    if kind == "status":
        if data.get("auto"):
            days = data.get("days")
            return ngettext(
                "closed the ticket after %(days)s day without answer",
                "closed the ticket after %(days)s days without answer",
                days,
            ) % {"days": escape(days)}
        return _("changed the status")
    if kind == "field":
        return _("changed %(field)s") % {"field": escape(event.field_label)}
    if kind == "escalation":
        return _("escalated from level %(old)s to level %(new)s") % {
            "old": escape(data.get("old", "")),
            "new": escape(data.get("new", "")),
        }
    if kind == "reopen":
        if data.get("by_reply"):
            return _("replied, which reopened the ticket")
        return _("reopened the ticket")
    if kind == "link":
        if data.get("link") == "transferred_to":
            words = _("transferred the ticket to development")
        else:
            words = _("created this development ticket from")
        number = data.get("number")
        url = reverse("tickets:detail", args=[number])
        return f'{words} <a href="{escape(url)}">#{escape(number)}</a>'
    if kind == "warning":
        days = data.get("days")
        return ngettext(
            "Without an answer, the ticket closes itself tomorrow (after %(days)s day of waiting).",
            "Without an answer, the ticket closes itself tomorrow (after %(days)s days of "
            "waiting).",
            days,
        ) % {"days": escape(days)}
    return escape(_KINDS.get(event.kind, event.kind))


def _event_item(event, ticket, attachments) -> str:
    data = event.data or {}
    by_email = data.get("via") == "email"
    internal = " is-internal" if event.is_internal else ""
    out = [
        f'<li class="timeline-item event-{escape(event.kind)}{internal}" id="event-{event.pk}">'
        '<div class="timeline-head"><span class="timeline-actor">'
    ]
    if event.actor:
        out.append(_person(event.actor))
    elif by_email:
        out.append(
            escape(ticket.contact_email) if ticket.contact_email else _("Unidentified sender")
        )
    else:
        out.append(_("System"))
    out.append(f'</span> <span class="timeline-what">{_what(event)}</span>')
    if by_email:
        if data.get("from"):
            sent = _("by email from %(sender)s") % {"sender": escape(data["from"])}
        else:
            sent = _("by email")
        out.append(f' <span class="badge text-bg-light border email-badge">{sent}</span>')
    if event.is_internal:
        internal_words = _("Internal")
        out.append(f' <span class="badge internal-badge">{internal_words}</span>')
    if event.action_type not in _SHOWN_ACTION_TYPES_EXCEPT:
        kind = escape(_ACTION_TYPES.get(event.action_type, event.action_type))
        out.append(f' <span class="badge text-bg-light border">{kind}</span>')
    moment = template_localtime(event.action_at)
    out.append(
        f' <time class="timeline-time" datetime="{date_format(moment, "c")}">'
        f"{date_format(moment, 'SHORT_DATETIME_FORMAT')}</time></div>"
    )
    old, new = getattr(event, "old_display", None), getattr(event, "new_display", None)
    if new is not None:
        out.append('<div class="timeline-change">')
        if old is not None and old != "":
            out.append(
                f'<span class="change-old">{escape(old)}</span> <span aria-hidden="true">→</span> '
            )
        out.append(f'<span class="change-new">{escape(new) if new else "—"}</span></div>')
    if event.kind == "assignment":
        out.append('<div class="timeline-change">')
        if data.get("added"):
            added = ", ".join(escape(name) for name in data["added"])
            out.append(f'<span class="change-new">+ {added}</span>')
        if data.get("removed"):
            removed = ", ".join(escape(name) for name in data["removed"])
            out.append(f' <span class="change-old">\u2212 {removed}</span>')
        out.append("</div>")
    if event.body and by_email:
        reply, quoted = split_quoted(event.body)
        out.append(f'<div class="timeline-body markdown">{markdown(reply)}</div>')
        if quoted:
            show = _("Show quoted text")
            out.append(
                f'<details class="quoted-history small"><summary>{show}</summary>'
                '<pre class="text-body-secondary mb-0" style="white-space: pre-wrap">'
                f"{escape(quoted)}</pre></details>"
            )
    elif event.body:
        out.append(f'<div class="timeline-body markdown">{markdown(event.body)}</div>')
    files = event.attachments.all()
    if files:
        out.append(attachments.render({"files": files, "ticket": ticket}))
    out.append("</li>")
    return "".join(out)
