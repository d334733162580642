"""Markdown to sanitized HTML: the only producer of trusted HTML in the app.

Two layers: Markdown runs with raw HTML switched off (so `<script>` in a block is
shown as text), then nh3 (Ammonia) keeps only an allow-list fit for report text
and tables. Links may point to https: and mailto: only.
"""

from __future__ import annotations

import threading

import markdown
import nh3

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


def _markdown() -> markdown.Markdown:
    """One Markdown instance per thread: building one costs more than rendering."""
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=["tables", "sane_lists"],
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        _local.md = md
    return md


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
    md = _markdown()
    try:
        html = md.convert(source)
    finally:
        md.reset()
    return sanitize_html(html)
