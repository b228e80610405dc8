"""{% load tickets %}: Markdown rendering (sanitized in tickets.markdown) and small formatters."""

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

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
