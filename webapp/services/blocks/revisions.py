"""Pure rules about revisions: when autosaves coalesce, and how two texts differ."""

from __future__ import annotations

import difflib
import re
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


# One token: a run of whitespace, a word (letters, digits, å ä ö …), or one other character.
_WORD_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")

WordDiffKind = Literal["same", "insert", "delete"]


def _tokens(text: str) -> list[str]:
    return _WORD_TOKENS.findall(text)


def word_diff(old: str, new: str) -> list[tuple[WordDiffKind, str]]:
    """Word-level differences between two texts, in reading order.

    Each part is ``("same" | "delete" | "insert", text)``; joining the "same" and "delete"
    parts gives ``old``, joining "same" and "insert" gives ``new``. Adjacent parts of the
    same kind are merged, and a replaced passage reads as its deletion followed by its
    insertion. Whitespace (line breaks included) is kept, so paragraphs survive.
    """
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    parts: list[tuple[WordDiffKind, str]] = []

    def add(kind: WordDiffKind, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if parts and parts[-1][0] == kind:
            parts[-1] = (kind, parts[-1][1] + text)
        else:
            parts.append((kind, text))

    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    opcodes = matcher.get_opcodes()
    deleted: list[str] = []
    inserted: list[str] = []
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        # A lone space between two changes joins them: "en vecka" → "två dagar" reads as one change.
        bridging = (
            tag == "equal"
            and i2 - i1 == 1
            and old_tokens[i1].isspace()
            and "\n" not in old_tokens[i1]
            and 0 < position < len(opcodes) - 1
            and (deleted or inserted)
        )
        if tag == "equal" and not bridging:
            add("delete", deleted)
            add("insert", inserted)
            deleted, inserted = [], []
            add("same", old_tokens[i1:i2])
            continue
        deleted.extend(old_tokens[i1:i2])
        inserted.extend(new_tokens[j1:j2])
    add("delete", deleted)
    add("insert", inserted)
    return parts


def has_changes(parts: list[tuple[WordDiffKind, str]]) -> bool:
    return any(kind != "same" for kind, _ in parts)
