"""One template renders the document, for the in-browser preview and for the PDF alike."""

from __future__ import annotations

from contextlib import ExitStack

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

from webapp.document.build import ReportDocument


def render_document_html(document: ReportDocument, *, for_print: bool) -> str:
    """The whole document as one HTML page.

    ``for_print`` leaves out the preview's navigation bar. The document is always
    rendered in its own language, whatever language the person's UI is in. Works
    outside a request too (a background PDF worker), so ``url_for`` can build URLs.
    """
    with ExitStack() as stack:
        if not has_request_context():
            stack.enter_context(current_app.test_request_context("/"))
        stack.enter_context(force_locale(document.language))
        return render_template("document/report.html", doc=document, for_print=for_print)
