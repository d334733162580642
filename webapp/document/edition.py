"""The HTML edition: the report as one self-contained, accessible web page for the City's website.

The same parts as the PDF (cover, contents, numbered chapters, each unit's contribution, the
statistics tables and their inline SVG charts), laid out for the screen and written into a
single file that refers to nothing outside itself: the document's stylesheets are inlined in
a ``<style>`` element, without the ``@font-face`` rules (the page uses DejaVu Sans where the
reader has it, else the browser's sans-serif) and without the print-only page boxes. There is
no script and no external reference; the only links are the contents' links to the headings
and the ``https:``/``mailto:`` links writers made (``webapp.content`` allows no other).
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from markupsafe import Markup

from webapp.document.build import ReportDocument

# Inlined in this order; edition.css adjusts the other two for one plain column.
STYLESHEETS = ("css/document.css", "css/tables.css", "css/edition.css")
# At-rules that have no place in a web page: fonts fetched by URL, page boxes, print layout.
DROPPED_AT_RULES = re.compile(r"@(font-face|page)\b|@media\s+print\b", re.IGNORECASE)
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class EditionStylesheetError(RuntimeError):
    """The document's CSS refers to something outside the page; the edition must not."""


def render_html_edition(document: ReportDocument) -> str:
    """``document`` as one self-contained HTML page (a full document, ``lang`` from the document).

    Needs an application context; works outside a request (a background job), and always in the
    document's own language, whatever language the person's UI is in.
    """
    static_folder = current_app.static_folder
    if static_folder is None:  # pragma: no cover - create_app always gives the app its static folder
        raise RuntimeError("The HTML edition needs the app's static folder.")
    stylesheet = edition_stylesheet(Path(static_folder))
    with ExitStack() as stack:
        if not has_request_context():
            stack.enter_context(current_app.test_request_context("/"))
        stack.enter_context(force_locale(document.language))
        return render_template("document/edition.html", doc=document, stylesheet=Markup(stylesheet))


def edition_stylesheet(static_folder: Path) -> str:
    """The document's CSS for the screen, ready to inline: comments, ``@font-face``, ``@page``
    and ``@media print`` removed. Refuses CSS that would still fetch something."""
    parts = []
    for name in STYLESHEETS:
        css = COMMENT.sub("", (static_folder / name).read_text(encoding="utf-8"))
        parts.append(drop_at_rules(css).strip())
    css = "\n\n".join(parts)
    if re.search(r"url\s*\(|@import|</", css, re.IGNORECASE):
        raise EditionStylesheetError("the edition's CSS would refer outside the page (url(), @import or </)")
    return css


def drop_at_rules(css: str) -> str:
    """``css`` without the blocks of the at-rules in ``DROPPED_AT_RULES`` (nested blocks included)."""
    out, position = [], 0
    while match := DROPPED_AT_RULES.search(css, position):
        out.append(css[position : match.start()])
        opening = css.find("{", match.end())
        if opening == -1:
            raise EditionStylesheetError(f"unterminated {match.group(0)} rule")
        depth, index = 0, opening
        while index < len(css):
            if css[index] == "{":
                depth += 1
            elif css[index] == "}":
                depth -= 1
                if depth == 0:
                    break
            index += 1
        if depth:
            raise EditionStylesheetError(f"unbalanced braces after {match.group(0)}")
        position = index + 1
    out.append(css[position:])
    return re.sub(r"\n{3,}", "\n\n", "".join(out))
