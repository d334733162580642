"""Pure rules about revisions: when autosaves coalesce, and how two texts differ."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal


def should_seal_draft(draft_started_at: datetime, now: datetime, window_seconds: int) -> bool:
    """An autosaved draft becomes a revision once it has been open for the whole window.

    Rapid autosaves inside the window coalesce into the one draft, so a writer's
    ten minutes of typing leave one revision in the history rather than a hundred.
    """
    return now - draft_started_at >= timedelta(seconds=window_seconds)


@dataclass(frozen=True)
class DiffLine:
    kind: Literal["same", "added", "removed"]
    text: str


def line_diff(old: str, new: str) -> list[DiffLine]:
    """Line-by-line differences between two Markdown sources, in reading order."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(DiffLine("same", text) for text in old_lines[i1:i2])
            continue
        lines.extend(DiffLine("removed", text) for text in old_lines[i1:i2])
        lines.extend(DiffLine("added", text) for text in new_lines[j1:j2])
    return lines
