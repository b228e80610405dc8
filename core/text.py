"""Pure text helpers shared by the apps: text made storable, and quoted history and signatures
folded below a reply, for display only (the full text is kept)."""

from __future__ import annotations

import re

# What no database text column takes: NUL (PostgreSQL refuses it) and lone surrogates (not
# encodable in UTF-8; Python's decoders make them from broken bytes).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(value: str) -> bool:
    """Whether value holds no NUL character and no lone surrogate."""
    return not _UNSTORABLE.search(value)


def storable(value: str) -> str:
    """value without NUL characters, lone surrogates replaced by U+FFFD."""
    if not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)


# Lines that start a quoted block: everything from here on is history.
_MARKERS = [
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*-{2,}\s*Message d'origine\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*-{2,}\s*Forwarded message\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.I),
    re.compile(r"^\s*Le\b.{0,300}\ba\s+écrit\s*:\s*$", re.I),
]
_TWO_LINE = [
    re.compile(r"^\s*On\b.{0,300}\n.{0,300}\bwrote:\s*$", re.I),
    re.compile(r"^\s*Le\b.{0,300}\n.{0,300}\ba\s+écrit\s*:\s*$", re.I),
]
_HEADER_BLOCKS = [
    (re.compile(r"^\s*\*?De\s*:", re.I), re.compile(r"^\s*\*?(Envoyé|Date)\s*:", re.I)),
    (re.compile(r"^\s*\*?From\s*:", re.I), re.compile(r"^\s*\*?(Sent|Date)\s*:", re.I)),
]


def _quote_start(lines: list[str], signatures: bool) -> int | None:
    for i, line in enumerate(lines):
        if any(p.match(line) for p in _MARKERS):
            return i
        if i + 1 < len(lines) and any(p.match(line + "\n" + lines[i + 1]) for p in _TWO_LINE):
            return i
        for first, second in _HEADER_BLOCKS:
            if first.match(line) and any(second.match(nxt) for nxt in lines[i + 1 : i + 4]):
                return i
        if signatures and line == "-- ":
            return i
        if line.startswith(">") and all(not ln.strip() or ln.startswith(">") for ln in lines[i:]):
            return i
    return None


def split_quoted(text: str, *, signatures: bool = True) -> tuple[str, str]:
    """Split text into (reply, quoted); reply + quoted keeps every line of the original."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = _quote_start(lines, signatures)
    if not start:  # no history, or the whole message is history: show it all
        return text, ""
    return "\n".join(lines[:start]).rstrip(), "\n".join(lines[start:])


# Past this many characters a text is shown in two parts: the start rendered (Markdown), the
# rest as plain text folded below it. Rendering Markdown is not linear in the length of some
# texts (a 1,000,000-character run of "[" takes a minute); escaping plain text is.
SHOWN_LENGTH = 20_000


def cut_long(text: str, length: int = SHOWN_LENGTH) -> tuple[str, str]:
    """Split text into (start, rest), start no longer than length and ending, when it can, at
    a paragraph, a line or a word; rest is "" for a text that fits. start + rest == text."""
    if len(text) <= length:
        return text, ""
    floor = length // 2
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, floor, length - len(separator))
        if at != -1:
            at += len(separator)  # the rest starts with its paragraph, line or word
            return text[:at], text[at:]
    return text[:length], text[length:]
