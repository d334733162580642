"""One template renders the document, for the in-browser preview and for the PDF alike.

The preview also comes in parts (``render_contents_page``, ``render_chapter_page``): the first
page with cover and contents, whose chapters load one by one, and a page per chapter; both
render the same partials (document/_cover.html, _contents.html, _chapter.html) as the whole.
"""

from __future__ import annotations

from contextlib import ExitStack

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

from webapp.document.build import ReportDocument


def _render(template: str, document: ReportDocument, **context) -> str:
    """``template`` in the document's own language, whatever language the person's UI is in.
    Works outside a request too (a background PDF worker), so ``url_for`` can build URLs."""
    with ExitStack() as stack:
        if not has_request_context():
            stack.enter_context(current_app.test_request_context("/"))
        stack.enter_context(force_locale(document.language))
        return render_template(template, doc=document, **context)


def render_document_html(document: ReportDocument, *, for_print: bool) -> str:
    """The whole document as one HTML page.

    ``for_print`` leaves out the preview's navigation bar.
    """
    return _render("document/report.html", document, for_print=for_print)


def render_contents_page(contents: ReportDocument) -> str:
    """The preview's first page: cover, contents and a place per chapter that loads it
    (``contents`` as ``build_contents`` makes it: chapters and sections without blocks)."""
    return _render("document/preview.html", contents, paged=True)


def render_chapter_page(document: ReportDocument, contents: ReportDocument | None = None) -> str:
    """The one chapter of ``document`` (as ``build_chapter`` makes it): with ``contents``, as a
    page of its own with links to the chapters before and after it and the contents; without,
    as the fragment that the first page loads in its place."""
    chapter = document.chapters[0]
    if contents is None:
        return _render("document/_chapter.html", document, chapter=chapter)
    numbers = [c.number for c in contents.chapters]
    index = numbers.index(chapter.number)
    return _render(
        "document/preview_chapter.html",
        document,
        chapter=chapter,
        contents=contents,
        paged=True,
        previous_chapter=contents.chapters[index - 1] if index > 0 else None,
        next_chapter=contents.chapters[index + 1] if index + 1 < len(contents.chapters) else None,
    )
