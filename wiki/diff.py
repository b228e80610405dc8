"""Line differences between two texts of a page, for the history and the edit conflict."""

from __future__ import annotations

import difflib

MAX_LINES = 2000


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(kind, line)] with kind "same", "added" or "removed"; unchanged runs longer than six
    lines are cut to their first and last three around a "gap" line."""
    rows: list[tuple[str, str]] = []
    old_lines = (old or "").splitlines()[:MAX_LINES]
    new_lines = (new or "").splitlines()[:MAX_LINES]
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same = old_lines[i1:i2]
            if len(same) > 6:
                rows += [("same", line) for line in same[:3]]
                rows.append(("gap", ""))
                rows += [("same", line) for line in same[-3:]]
            else:
                rows += [("same", line) for line in same]
            continue
        rows += [("removed", line) for line in old_lines[i1:i2]]
        rows += [("added", line) for line in new_lines[j1:j2]]
    return rows


def changed(rows: list[tuple[str, str]]) -> bool:
    return any(kind in ("added", "removed") for kind, _line in rows)
