"""{% load paging %}: links between the pages of a list."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """The current URL's query with page=number: every value of every filter kept (a filter
    may be given several times, e.g. two status categories)."""
    params = context["request"].GET.copy()
    params["page"] = number
    return f"?{params.urlencode()}"
