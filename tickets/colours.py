"""A status's colour (chosen by an admin, #rrggbb) turned into a readable badge: a light tint of
it as the background and the colour darkened until its text passes WCAG AA (4.5:1) on that
tint. Pure functions: tickets.views.colours writes them into the badges' style sheet."""

from __future__ import annotations

import re

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
FALLBACK = "#6c757d"


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour if HEX.match(colour or "") else FALLBACK
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def badge(colour: str) -> tuple[str, str]:
    """(background, text) for a badge of this colour."""
    base = _rgb(colour)
    background = tuple(c * 0.18 + 255 * 0.82 for c in base)
    text = base
    for _ in range(40):
        if contrast(text, background) >= 4.6:
            break
        text = tuple(c * 0.85 for c in text)
    return _hex(background), _hex(text)
