"""{% load topbar %}: the top bar's links (templates/partials/_topbar_links.html), the same for
every person of one kind on one page: rendered once per process for each (what decides the links,
the page highlighted) rather than at every request (helpdesk.context_processors.navigation gives
the links and their key)."""

from django import template
from django.template.loader import get_template

register = template.Library()

_RENDERED: dict[tuple, str] = {}
_RENDERED_MAX = 512


@register.simple_tag(takes_context=True)
def topbar_links(context):
    items = context.get("nav_items") or []
    active = context.get("nav_active")
    key = context.get("nav_key")
    if key is None:
        return _render(items, active)
    key = (key, active)
    html = _RENDERED.get(key)
    if html is None:
        if len(_RENDERED) >= _RENDERED_MAX:
            _RENDERED.clear()
        html = _RENDERED[key] = _render(items, active)
    return html


def _render(items, active) -> str:
    return get_template("partials/_topbar_links.html").render(
        {"nav_items": items, "nav_active": active}
    )
