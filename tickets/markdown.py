"""The one place where user-written Markdown (and any HTML in it) becomes safe HTML."""

from __future__ import annotations

import functools
import threading

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> SafeString:
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 output


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitized HTML: no scripts, event handlers, styles or javascript: links."""
    if not text:
        return mark_safe("")
    return _rendered(text)


@functools.lru_cache(maxsize=1024)
def _rendered(text: str) -> SafeString:
    """The same text always gives the same HTML: a timeline shown again (the agent working a
    ticket reloads it after each action) reuses its replies' HTML rather than parsing them."""
    return sanitize_html(_converter().reset().convert(text))


_local = threading.local()


def _converter() -> md.Markdown:
    """One Markdown converter per thread, reset between texts: building one loads its
    extensions each time, which costs more than converting a reply."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(
            extensions=["fenced_code", "tables", "nl2br", "sane_lists"]
        )
    return converter
