"""The badges' colours: a small style sheet, one rule per status, made from the colours admins
chose (the page links it with the reference version in its URL, so a change shows at the next
page in every worker, and the browser keeps each version for good)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from .. import caching, colours


def status_colours(request):
    rules = []
    for status in caching.reference().statuses.values():
        background, text = colours.badge(status.colour)
        rules.append({"pk": status.pk, "background": background, "text": text})
    response = render(
        request, "tickets/status_colours.css", {"rules": rules}, content_type="text/css"
    )
    patch_cache_control(response, private=True, max_age=365 * 24 * 3600, immutable=True)
    return response
