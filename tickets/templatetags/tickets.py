"""{% load tickets %}: Markdown rendering (sanitized in tickets.markdown), small formatters and
the queue's rows."""

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
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
    """{{ user.get_full_name|default:user.email }}"""
    return user.get_full_name() or user.email


def _when(moment) -> str:
    """{{ moment|date:"SHORT_DATETIME_FORMAT" }}"""
    return date_format(template_localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""


# The queue's rows are written here rather than in the template: 25 rows of a dozen cells
# took a good third of the page's rendering through the template engine.
@register.simple_tag
def queue_rows(tickets, bulk):
    """The <tr> of each ticket in the queue (templates/tickets/list.html); bulk: with the
    selection checkbox."""
    return mark_safe("".join(_queue_row(ticket, bulk) for ticket in tickets))  # noqa: S308


def _queue_row(ticket, bulk) -> str:
    url = reverse("tickets:detail", args=[ticket.number])
    cells = []
    if bulk:
        label = _("Select ticket #%(number)s") % {"number": ticket.number}
        cells.append(
            format_html(
                '<td class="bulk-cell"><input class="form-check-input bulk-select"'
                ' type="checkbox" form="bulk-form" name="tickets" value="{}"'
                ' aria-label="{}"></td>',
                ticket.number,
                label,
            )
        )
    cells.append(
        format_html(
            '<td class="text-nowrap"><a class="fw-semibold" href="{}">#{}</a></td>',
            url,
            ticket.number,
        )
    )
    overdue = (
        format_html('<span class="badge text-bg-danger ms-1">{}</span>', _("Overdue"))
        if ticket.is_overdue
        else ""
    )
    kind = (
        format_html('<div class="small text-body-secondary">{}</div>', ticket.type.name)
        if ticket.type
        else ""
    )
    cells.append(
        format_html(
            '<td class="ticket-title-cell"><a class="link-body-emphasis text-decoration-none"'
            ' href="{}">{}</a>{}{}</td>',
            url,
            ticket.title,
            overdue,
            kind,
        )
    )
    if ticket.organization_id:
        client = format_html("{}", ticket.organization.name)
    else:
        client = format_html(
            '<span class="badge text-bg-warning">{}</span> <span class="small">{}</span>',
            _("Unidentified"),
            ticket.contact_email,
        )
    if ticket.requester:
        client += format_html(
            '<div class="small text-body-secondary">{}</div>', _person(ticket.requester)
        )
    cells.append(format_html("<td>{}</td>", client))
    status, priority = status_badge(ticket.status), priority_badge(ticket.priority)
    cells.append(format_html("<td>{}</td><td>{}</td>", status, priority))
    assignees = format_html_join(", ", "{}", ((_person(p),) for p in ticket.assignees.all()))
    if not assignees:
        assignees = format_html('<span class="text-body-secondary">{}</span>', _("Unassigned"))
    cells.append(format_html('<td class="small">{}</td>', assignees))
    cells.append(format_html('<td class="small text-nowrap">{}</td>', _when(ticket.created_at)))
    last_by = (
        format_html('<div class="text-body-secondary">{}</div>', _person(ticket.last_activity_by))
        if ticket.last_activity_by
        else ""
    )
    cells.append(
        format_html(
            '<td class="small text-nowrap">{}{}</td>', _when(ticket.last_activity_at), last_by
        )
    )
    row_class = ' class="ticket-overdue"' if ticket.is_overdue else ""
    return f"<tr{row_class}>{''.join(cells)}</tr>"
