"""The report as a document: built from a loaded outline, rendered to HTML, printed to PDF.

Loading from the database is ``webapp.services.reports.documents``'s job; this package takes data only.
"""

from webapp.document.build import DocumentTables, ReportDocument, document_from_outline, section_excerpt
from webapp.document.render import render_chapter_page, render_contents_page, render_document_html


def render_pdf(html: str) -> bytes:
    """See ``webapp.document.pdf.render_pdf``; imported on first use because loading
    WeasyPrint takes over half a second, which web requests and CLI commands
    that never print should not pay."""
    from webapp.document.pdf import render_pdf as _render_pdf

    return _render_pdf(html)


__all__ = [
    "DocumentTables",
    "ReportDocument",
    "document_from_outline",
    "render_chapter_page",
    "render_contents_page",
    "render_document_html",
    "render_pdf",
    "section_excerpt",
]
