"""{% load tickets %}: Markdown rendering (sanitized in tickets.markdown) and small formatters."""

from django import template
from django.template.defaultfilters import filesizeformat

from tickets.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    return render_markdown(text or "")


@register.filter
def filesize(size):
    return filesizeformat(size)
