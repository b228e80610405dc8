"""The badges' colours: a small style sheet, one rule per status, priority and criticality, made
from the colours admins chose (the page links it with the reference version in its URL, so a
change shows at the next page in every worker, and the browser keeps each version for good).
Priorities and criticalities are named by their code (a slug: safe in a class name)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from .. import caching, colours


def _rule(row, key: str) -> dict:
    background, text = colours.badge(row.colour)
    return {key: getattr(row, key), "background": background, "text": text}


def status_colours(request):
    reference = caching.reference()
    context = {
        "rules": [_rule(row, "pk") for row in reference.statuses.values()],
        "priorities": [_rule(row, "code") for row in reference.priorities.values()],
        "criticalities": [_rule(row, "code") for row in reference.criticalities.values()],
    }
    response = render(request, "tickets/status_colours.css", context, content_type="text/css")
    patch_cache_control(response, private=True, max_age=365 * 24 * 3600, immutable=True)
    return response
