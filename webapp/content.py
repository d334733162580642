"""Markdown to sanitized HTML: the only producer of trusted HTML in the app.

Two layers: Markdown runs with raw HTML switched off (so `<script>` in a block is
shown as text), then nh3 (Ammonia) keeps only an allow-list fit for report text
and tables. Links may point to https: and mailto: only.

The parser is markdown-it-py (CommonMark plus GFM tables and strikethrough): its
time grows linearly with the input, where Python-Markdown's inline processing is
quadratic on hostile text (`[` x 10 000 took 94 s). Its nesting limit (maxNesting)
also keeps the HTML shallow, which nh3 needs: html5ever's cost grows with the square
of the nesting depth. Figures and the alternatives measured: README, "Development".
"""

from __future__ import annotations

import threading

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "del",
        "sub",
        "sup",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align", "scope"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_PREFIXES = ("https://", "mailto:")
# Tags whose whole content goes, not only the tag.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "svg", "math"})

_local = threading.local()


def _to_allowed_markup(state: StateCore) -> None:
    """Write tables and strikethrough with the tags and attributes the allow-list keeps.

    markdown-it-py aligns cells with ``style="text-align:…"`` and strikes with ``<s>``;
    the allow-list has ``align`` (no inline style) and ``<del>``, as Python-Markdown wrote.
    """
    for token in state.tokens:
        for child in [token, *(token.children or ())]:
            if child.tag == "s":
                child.tag = "del"
            elif child.tag in ("th", "td"):
                style = str(child.attrs.pop("style", ""))
                if style.startswith("text-align:"):
                    child.attrs["align"] = style.removeprefix("text-align:")


def _parser() -> MarkdownIt:
    """One parser per thread: cheap to build (0.2 ms), but nothing promises it is thread-safe."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        # The "commonmark" preset: no raw HTML (shown as text), no linkify, no typographer,
        # maxNesting 20 (deeper blocks are dropped, deeper inline markup stays text).
        parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
        parser.core.ruler.push("allowed_markup", _to_allowed_markup)
        _local.parser = parser
    return parser


def markdown_to_html(source: str) -> str:
    """The parser's HTML, not yet sanitized: never show it without ``sanitize_html``."""
    return _parser().render(source).rstrip("\n")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return value if value.strip().lower().startswith(ALLOWED_URL_PREFIXES) else None
    return value


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes={"https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """Render a block's Markdown to HTML that is safe to show anywhere."""
    return sanitize_html(markdown_to_html(source))
