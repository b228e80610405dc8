"""A page's Markdown to safe HTML, once per revision (the result is stored with it).

CommonMark with tables and strikethrough (markdown-it-py), raw HTML off; "#88" becomes a link
to ticket 88 (who may not see that ticket gets a 404 there); headings get anchors, and the
level 2 and 3 ones make the table of contents. The output goes through the project's one
sanitizer (core.html.sanitize_document_html).
"""

from __future__ import annotations

import re
import threading

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import slugify
from markdown_it import MarkdownIt

from core.html import sanitize_document_html

_TICKET_REF = re.compile(r"#(\d{1,9})(?![\w-])")
_local = threading.local()


def _ticket_reference(state, silent: bool) -> bool:
    """Inline rule: "#88" (not inside a word, not an anchor like "#top") -> a ticket link."""
    pos = state.pos
    before = state.src[pos - 1] if pos > 0 else " "
    if state.src[pos] != "#" or before.isalnum() or before in "&/":
        return False
    match = _TICKET_REF.match(state.src, pos)
    if not match:
        return False
    if not silent:
        link = state.push("link_open", "a", 1)
        link.attrs = {"href": reverse("tickets:detail", args=[int(match.group(1))])}
        text = state.push("text", "", 0)
        text.content = match.group(0)
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


def _parser() -> MarkdownIt:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = MarkdownIt("commonmark", {"html": False, "breaks": True})
        parser.enable(["table", "strikethrough"])
        parser.inline.ruler.before("emphasis", "ticket_reference", _ticket_reference)
        _local.parser = parser
    return parser


def render(text: str) -> tuple[SafeString, list[dict]]:
    """(sanitized HTML, table of contents [{"level", "anchor", "title"}]) of Markdown text."""
    parser = _parser()
    tokens = parser.parse(text or "")
    toc: list[dict] = []
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        parts = [c.content for c in inline.children or [] if c.type in ("text", "code_inline")]
        title = "".join(parts).strip()
        base = "h-" + (slugify(title) or "section")
        anchor, n = base, 2
        while anchor in used:
            anchor, n = f"{base}-{n}", n + 1
        used.add(anchor)
        token.attrSet("id", anchor)
        level = int(token.tag[1])
        if level in (2, 3) and title:
            toc.append({"level": level, "anchor": anchor, "title": title[:200]})
    html = parser.renderer.render(tokens, parser.options, {})
    return sanitize_document_html(html), toc
