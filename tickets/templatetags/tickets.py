"""{% load tickets %}: Markdown rendering (sanitized in tickets.markdown), small formatters and
the queue's rows."""

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from tickets.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    return render_markdown(text or "")


@register.filter
def filesize(size):
    return filesizeformat(size)


# Badges are filters rather than included templates: the queue shows dozens per page.
@register.filter
def status_badge(status):
    if status is None:
        return ""
    return format_html(
        '<span class="badge ticket-status {}">{}</span>', status.css_class, status.name
    )


@register.filter
def priority_badge(priority):
    if priority is None:
        return ""
    return format_html(
        '<span class="badge ticket-priority priority-{}">{}</span>', priority.code, priority.name
    )


def _person(user) -> str:
    """{{ user.get_full_name|default:user.email }}, escaped."""
    return escape(user.get_full_name() or user.email)


def _when(moment) -> str:
    """{{ moment|date:"SHORT_DATETIME_FORMAT" }}"""
    return date_format(template_localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""


# The queue's rows are written here rather than in the template: 25 rows of a dozen cells
# took a good third of the page's rendering through the template engine. Every value from the
# database goes through escape().
@register.simple_tag
def queue_rows(tickets, bulk):
    """The <tr> of each ticket in the queue (templates/tickets/list.html); bulk: with the
    selection checkbox."""
    # The detail URL once, then each ticket's number in its place.
    marker = 987654321
    url_start, url_end = reverse("tickets:detail", args=[marker]).split(str(marker))
    words = {
        "overdue": escape(_("Overdue")),
        "unidentified": escape(_("Unidentified")),
        "unassigned": escape(_("Unassigned")),
    }
    rows = []
    for ticket in tickets:
        url = escape(f"{url_start}{ticket.number}{url_end}")
        rows.append(_queue_row(ticket, bulk, url, words))
    return mark_safe("".join(rows))  # noqa: S308 - escaped above and in _queue_row


def _queue_row(ticket, bulk, url, words) -> str:
    number = ticket.number
    out = ['<tr class="ticket-overdue">' if ticket.is_overdue else "<tr>"]
    if bulk:
        label = escape(_("Select ticket #%(number)s") % {"number": number})
        out.append(
            '<td class="bulk-cell"><input class="form-check-input bulk-select" type="checkbox"'
            f' form="bulk-form" name="tickets" value="{number}" aria-label="{label}"></td>'
        )
    out.append(f'<td class="text-nowrap"><a class="fw-semibold" href="{url}">#{number}</a></td>')
    out.append(
        '<td class="ticket-title-cell"><a class="link-body-emphasis text-decoration-none"'
        f' href="{url}">{escape(ticket.title)}</a>'
    )
    if ticket.is_overdue:
        out.append(f'<span class="badge text-bg-danger ms-1">{words["overdue"]}</span>')
    if ticket.type:
        out.append(f'<div class="small text-body-secondary">{escape(ticket.type.name)}</div>')
    out.append("</td><td>")
    if ticket.organization_id:
        out.append(escape(ticket.organization.name))
    else:
        out.append(
            f'<span class="badge text-bg-warning">{words["unidentified"]}</span>'
            f' <span class="small">{escape(ticket.contact_email)}</span>'
        )
    if ticket.requester:
        out.append(f'<div class="small text-body-secondary">{_person(ticket.requester)}</div>')
    out.append(f"</td><td>{status_badge(ticket.status)}</td>")
    out.append(f"<td>{priority_badge(ticket.priority)}</td>")
    assignees = ", ".join(_person(person) for person in ticket.assignees.all())
    if not assignees:
        assignees = f'<span class="text-body-secondary">{words["unassigned"]}</span>'
    out.append(f'<td class="small">{assignees}</td>')
    out.append(f'<td class="small text-nowrap">{_when(ticket.created_at)}</td>')
    out.append(f'<td class="small text-nowrap">{_when(ticket.last_activity_at)}')
    if ticket.last_activity_by:
        out.append(f'<div class="text-body-secondary">{_person(ticket.last_activity_by)}</div>')
    out.append("</td></tr>")
    return "".join(out)
