"""Markdown to sanitized HTML: the only producer of trusted HTML in the app.

Two layers: Markdown runs with raw HTML switched off (so `<script>` in a block is
shown as text), then nh3 (Ammonia) keeps only an allow-list fit for report text
and tables. Links may point to https: and mailto: only.

The parser is pyromark, Python bindings of pulldown-cmark (Rust; CommonMark plus GFM
tables and strikethrough, the parser rustdoc uses): linear in the input and ≤ 85 ms
(parse and nh3) on every hostile family at the 200 kB block limit, where the pure-Python
parsers took up to 94 s (Python-Markdown) or 2.7 s (markdown-it-py). Figures: README,
"Development"; families: tests/hostile_markdown.py.
pulldown-cmark has no switch for raw HTML and no nesting limit, and html5ever (inside
nh3) is slow on deep nesting and on ``&``, so three small passes surround it:

1. Before parsing, each ``<`` that could open raw HTML (a tag, ``</``, ``<!``, ``<?``)
   becomes a stand-in character, so no HTML reaches the output and the writer's
   ``<b>`` is shown as text, in code too; autolinks (``<https://…>``) are untouched.
   A single ``~`` becomes a stand-in as well: pulldown-cmark strikes ``~a~`` through,
   markdown-it-py and Python-Markdown did not.
   Each line's leading run of container markers (``>``, list markers) and indentation
   is cut after MAX_CONTAINER_MARKERS markers or MAX_CONTAINER_COLUMNS columns: every
   nesting level needs a marker or a column of it on each line it reaches, so the HTML
   is never deeper than that (200 000 ``>`` made 5.4 MB of nested quotes, and ``- > ``
   repeated made nh3 take 110 s: html5ever's cost grows with the square of the depth).
2. Between parser and sanitizer, the entities the parser writes for ``<``, ``&`` and
   ``"`` become stand-in characters and ``&gt;`` a plain ``>``: html5ever spends about
   1 µs on every ``&`` (``&#`` × 100 000 took nh3 210 ms). A stand-in that the parser
   percent-encoded in a link becomes what it stood for (``~``, ``%3C``).
3. After nh3 the stand-ins become ``&lt;``, ``&amp;``, ``&quot;`` and ``~`` again. nh3
   has decided every tag and attribute by then; an entity is text and cannot add markup.

The stand-ins are private-use characters; a writer's own (never seen in report text)
become U+FFFD first, so they cannot pose as one.
"""

from __future__ import annotations

import re

import nh3
import pyromark

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

# What a line's leading run of container markers and indentation may hold: markers (each
# opens or continues a quote or list) and columns (tabs to the next multiple of 4). Each
# nesting level takes a marker or at least one column, so the HTML stays this shallow.
MAX_CONTAINER_MARKERS = 8
MAX_CONTAINER_COLUMNS = 64

# Above this many tags the parser's HTML is not kept: the text is shown as typed, in one <pre>.
# html5ever (inside nh3) spends 0.4–0.8 µs on each element, and the densest block markup makes
# one element per two or three characters (a quote or bullet per line, blank lines between):
# 200 ms at the block limit. No report text comes near it; a 5 000-cell table makes ~11 000.
MAX_TAGS = 60_000

# Above this many characters of HTML the line breaks between tags go (see markdown_to_html);
# ordinary blocks keep the parser's layout, readable in the database and in diffs.
_COMPACT_ABOVE = 100_000

_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH

# Stand-ins, U+E000 to U+E003 (private use).
_LT, _AMP, _QUOT, _TILDE = "\ue000", "\ue001", "\ue002", "\ue003"
_OWN_STAND_INS = re.compile("[\ue000-\ue003]")
# Where CommonMark could start raw HTML: an open tag, a closing tag, <!…> or <?…>.
_HTML_START = re.compile(r"<(?=[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|[/!?])")
_LONE_TILDE = re.compile(r"(?<!~)~(?!~)")
# A line whose leading container markers and indentation are longer than the cap could be
# (tabs count up to four columns); only those lines reach _cap_containers.
_CONTAINER_TOKEN = r"(?:[ \t]|>|(?:[-+*]|[0-9]{1,9}[.)])(?=[ \t]|$))"
_LONG_CONTAINER_RUN = re.compile(
    rf"^{_CONTAINER_TOKEN}{{{min(MAX_CONTAINER_MARKERS, MAX_CONTAINER_COLUMNS // 4) + 1},}}+", re.MULTILINE
)
_CONTAINER_TOKENS = re.compile(_CONTAINER_TOKEN, re.MULTILINE)
_ALIGNED_CELL = {
    f'<{cell} style="text-align: {side}">': f'<{cell} align="{side}">'
    for cell in ("th", "td")
    for side in ("left", "center", "right")
}


def _cap_containers(match: re.Match[str]) -> str:
    run = match[0]
    marker_characters = len(run) - run.count(" ") - run.count("\t")
    if marker_characters <= MAX_CONTAINER_MARKERS and len(run.expandtabs(4)) <= MAX_CONTAINER_COLUMNS:
        return run  # indentation, mostly: nothing to cut
    kept: list[str] = []
    column = markers = 0
    for token in _CONTAINER_TOKENS.findall(run):
        column = (column // 4 + 1) * 4 if token == "\t" else column + len(token)
        markers += not token.isspace()
        if column > MAX_CONTAINER_COLUMNS or markers > MAX_CONTAINER_MARKERS:
            break
        kept.append(token)
    else:
        return run
    if kept and not kept[-1].isspace():
        kept.append(" ")  # a marker keeps the space that makes it one
    return "".join(kept)


def _prepare(source: str) -> str:
    source = _OWN_STAND_INS.sub("\ufffd", source)
    source = _HTML_START.sub(_LT, source)
    source = _LONE_TILDE.sub(_TILDE, source)
    return _LONG_CONTAINER_RUN.sub(_cap_containers, source)


def markdown_to_html(source: str) -> str:
    """The parser's HTML with stand-ins, not yet sanitized: only for ``render_markdown``."""
    prepared = _prepare(source)
    html = pyromark.html(prepared, options=_OPTIONS).rstrip("\n")
    if html.count("<") > MAX_TAGS:  # text's own < are stand-ins by now: this counts tags
        return _as_typed(prepared)
    if len(html) > _COMPACT_ABOVE:
        # A line break between two tags is a text node for html5ever to build: 40 % of its
        # time on dense block markup. (Text's own < and > are still entities here.) After h1
        # and h2, which the sanitizer unwraps, it stays, or their words would run together.
        html = html.replace(">\n<", "><").replace("</h1><", "</h1>\n<").replace("</h2><", "</h2>\n<")
    if "text-align" in html:
        for styled, aligned in _ALIGNED_CELL.items():
            html = html.replace(styled, aligned)
    # In a link the parser percent-encodes a stand-in: give the URL its own character back.
    if "%EE%80%8" in html:
        html = html.replace("%EE%80%80", "%3C").replace("%EE%80%83", "~")
    # The parser writes &lt; &gt; &amp; &quot; and no other entity (it decodes the writer's).
    return html.replace("&lt;", _LT).replace("&gt;", ">").replace("&amp;", _AMP).replace("&quot;", _QUOT)


def _as_typed(prepared: str) -> str:
    """The prepared source as one preformatted text, its & < " as stand-ins like the parser's."""
    text = prepared.replace("&", _AMP).replace("<", _LT).replace('"', _QUOT)
    return f"<pre>{text}</pre>"


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
    html = sanitize_html(markdown_to_html(source))
    return html.replace(_LT, "&lt;").replace(_AMP, "&amp;").replace(_QUOT, "&quot;").replace(_TILDE, "~")
