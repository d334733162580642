"""The report as a document: built from the database, rendered to HTML, printed to PDF."""

from webapp.document.build import ReportDocument, build_document, build_section_document
from webapp.document.render import render_document_html


def render_pdf(html: str) -> bytes:
    """See ``webapp.document.pdf.render_pdf``; imported on first use because loading
    WeasyPrint takes over half a second, which web requests and CLI commands
    that never print should not pay."""
    from webapp.document.pdf import render_pdf as _render_pdf

    return _render_pdf(html)


__all__ = ["ReportDocument", "build_document", "build_section_document", "render_document_html", "render_pdf"]
