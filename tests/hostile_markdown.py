"""Families of Markdown that make parsers slow, for the tests and bench/markdown_hostile.py.

Each family builds a text of exactly ``size`` characters (200 000 is the block limit,
MAX_BLOCK_BYTES; 10 000 the comment limit). The first ones are issue 15's list; the rest
were found while measuring: they cost markdown-it-py the most per character, or made
pulldown-cmark's HTML deep (the nesting cap in webapp/content.py) or dense (many elements
per character, which nh3 pays for at about half a microsecond each).

DENSE_FAMILIES are the densest block markup found: more tags than webapp.content.MAX_TAGS, so
they are shown as typed (nh3 would pay for every element, see README); timed like the rest.
"""

from __future__ import annotations

from collections.abc import Callable

BLOCK_LIMIT = 200_000  # webapp.config.Config.MAX_BLOCK_BYTES (ASCII, so characters = bytes)
COMMENT_LIMIT = 10_000  # webapp.services.review.comments.MAX_BODY_CHARS


def repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _lines(make_line: Callable[[int], str], size: int) -> str:
    """Lines ``make_line(0)``, ``make_line(1)``, … until ``size`` characters."""
    parts, total, n = [], 0, 0
    while total < size:
        line = make_line(n) + "\n"
        parts.append(line)
        total += len(line)
        n += 1
    return "".join(parts)[:size]


def _wide_table(size: int, columns: int = 2_000) -> str:
    header = "|" + "a|" * columns + "\n|" + "-|" * columns + "\n"
    return header + repeat("|" + "x|" * columns + "\n", size - len(header))


def _nested_emphasis(size: int) -> str:
    half = (size - 1) // 2
    return "*" * half + "a" + "*" * (size - 1 - half)


FAMILIES: dict[str, Callable[[int], str]] = {
    "[ run": lambda size: repeat("[", size),
    "[]( run": lambda size: repeat("[](", size),
    "[](( run": lambda size: repeat("[]((", size),
    "* run": lambda size: repeat("*", size),
    "_ run": lambda size: repeat("_", size),
    "> run (deep quote)": lambda size: repeat(">", size),
    "> quotes, deeper each line": lambda size: _lines(lambda n: ">" * (n + 1) + " x", size),
    "` flood": lambda size: repeat("`", size),
    "` a `` flood": lambda size: repeat("` a `` ", size),
    "link chain": lambda size: repeat("[a](https://b.se)", size),
    "![ run": lambda size: repeat("![", size),
    "< run": lambda size: repeat("<", size),
    "<a run": lambda size: repeat("<a ", size),
    "emphasis nesting *a **b": lambda size: repeat("*a **b ", size),
    "emphasis nesting ***a***": _nested_emphasis,
    "| run": lambda size: repeat("|", size),
    "table, 2 000 columns": _wide_table,
    "list, deeper each line": lambda size: _lines(lambda n: "  " * n + "- x", size),
    "ordered list, deeper each line": lambda size: _lines(lambda n: "   " * n + "1. x", size),
    "- > - > on one line": lambda size: repeat("- > ", size),
    "*a run": lambda size: repeat("*a ", size),
    "reference definitions": lambda size: repeat("[a]: b\n", size),
    "&# run": lambda size: repeat("&#", size),
    "\\ run": lambda size: repeat("\\", size),
    "~~a run": lambda size: repeat("~~a ", size),
    "hard breaks": lambda size: repeat("a  \n", size),
    '< & " in code spans': lambda size: repeat('`<&"` ', size),
    "- > markers past the cap, per line": lambda size: repeat("- > " * 10 + "a\n\n", size),
    "tab-indented list, deeper each line": lambda size: _lines(lambda n: "\t" * n + "- x", size),
}

DENSE_FAMILIES: dict[str, Callable[[int], str]] = {
    "quotes, a blank line between": lambda size: repeat(">a\n\n", size),
    "bullets four deep on every line": lambda size: repeat("- - - - a\n", size),
    "two quotes, a blank line between": lambda size: repeat(">>a\n\n", size),
    "eight quotes, a blank line between": lambda size: repeat(">" * 8 + "a\n\n", size),
    "bullets eight deep on every line": lambda size: repeat("- " * 8 + "a\n", size),
}
