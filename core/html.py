"""The one place where HTML written by someone else (Markdown output, the HTML part of an
email) becomes safe HTML, and where HTML becomes plain text."""

from __future__ import annotations

import functools
import html as html_lib
import re
import threading

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align", "colspan"}}
URL_SCHEMES = {"http", "https", "mailto"}
# An email's HTML part also keeps its layout blocks and its inline images (cid: parts).
EMAIL_TAGS = ALLOWED_TAGS | {"div", "span", "img"}
EMAIL_ATTRIBUTES = ALLOWED_ATTRIBUTES | {"img": {"src", "alt"}}
EMAIL_URL_SCHEMES = URL_SCHEMES | {"cid"}


def sanitize_html(html: str, *, email: bool = False) -> SafeString:
    """Allow-listed HTML: no script or style (content dropped too), no on* handlers, no
    style attributes, no javascript: links; links open without the referrer."""
    cleaned = nh3.clean(
        html,
        tags=EMAIL_TAGS if email else ALLOWED_TAGS,
        attributes=EMAIL_ATTRIBUTES if email else ALLOWED_ATTRIBUTES,
        url_schemes=EMAIL_URL_SCHEMES if email else URL_SCHEMES,
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 output


# A wiki page (wiki.markup) also keeps heading anchors (its table of contents) and images of its
# own files: only same-site paths, never another site (no third-party requests from pages).
DOCUMENT_TAGS = ALLOWED_TAGS | {"img"}
DOCUMENT_ATTRIBUTES = ALLOWED_ATTRIBUTES | {
    "img": {"src", "alt", "title"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}


def _same_site_images(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if value.startswith("/") and not value.startswith("//") else None
    return value


def sanitize_document_html(html: str) -> SafeString:
    """sanitize_html's rules, plus heading ids and images served by this site."""
    cleaned = nh3.clean(
        html,
        tags=DOCUMENT_TAGS,
        attributes=DOCUMENT_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_same_site_images,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 output


def html_to_text(value: str) -> str:
    """Readable text of an HTML document (an email without a text part)."""
    value = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", value)
    value = re.sub(r"(?i)<br\s*/?>", "\n", value)
    value = re.sub(r"(?i)</(p|div|tr|li|h\d|table|blockquote)\s*>", "\n", value)
    value = re.sub(r"(?s)<[^>]*>", "", value)
    value = html_lib.unescape(value)
    value = re.sub(r"[ \t\r\f\v]+", " ", value)
    value = re.sub(r"\n\s*\n\s*\n+", "\n\n", value)
    return "\n".join(line.strip() for line in value.split("\n")).strip()


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
