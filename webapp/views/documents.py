"""The current draft as a reader takes it away: the HTML edition, and one section as a PDF.

Both are for anyone who may read the report. The section preview is rendered right here in
the request: one section is a few pages and takes a tenth of a second, unlike the whole
report, whose renders run in the background worker (webapp/services/publishing/rendering.py).
Both store nothing, so they stay GETs (a section preview opens in a new tab from a link), but
each is work for the web worker that a link from anywhere could ask for: together (and with the
whole document on one page, ``reports.preview_whole``) they are limited per user
(``DOCUMENT_PREVIEWS_PER_USER``), answered beyond it with 429 and Retry-After.
"""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, Response, send_file
from flask_babel import gettext as _
from flask_login import current_user

from webapp.document import render_document_html, render_pdf
from webapp.document.build import ReportDocument
from webapp.document.edition import render_html_edition
from webapp.permissions import PermissionDenied, can_read_report
from webapp.rate_limits import document_previews_limited
from webapp.services.reports.documents import build_document, build_section_document
from webapp.views.loading import or_404

bp = Blueprint("documents", __name__, url_prefix="/reports")


def _require_reader() -> None:
    if not can_read_report(current_user):
        raise PermissionDenied(_("Du har inte behörighet att läsa rapporten."))


def draft_file_stem(document: ReportDocument) -> str:
    """``UTKAST-IOP-verksamhetsrapport-2021-11--2022-04``, like the draft PDF's name."""
    return f"UTKAST-IOP-verksamhetsrapport-{document.period_start:%Y-%m}--{document.period_end:%Y-%m}"


def _private(response: Response) -> Response:
    # A draft changes with every save: never keep an old copy in a shared cache.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/<int:report_id>/edition.html")
@document_previews_limited
def draft_edition(report_id: int):
    """The current draft as one self-contained web page, downloaded."""
    _require_reader()
    document = or_404(build_document(report_id, draft=True))
    html = render_html_edition(document)
    return _private(
        send_file(
            BytesIO(html.encode("utf-8")),
            mimetype="text/html",
            as_attachment=True,
            download_name=f"{draft_file_stem(document)}.html",
        )
    )


@bp.get("/<int:report_id>/sections/<int:section_id>/preview.pdf")
@document_previews_limited
def section_preview_pdf(report_id: int, section_id: int):
    """One section of the current draft as it will print, shown in the browser's PDF viewer."""
    _require_reader()
    document = or_404(build_section_document(report_id, section_id, draft=True))
    pdf = render_pdf(render_document_html(document, for_print=True))
    number = document.chapters[0].sections[0].number.replace(".", "-")
    return _private(
        send_file(
            BytesIO(pdf),
            mimetype="application/pdf",
            as_attachment=False,
            download_name=f"{draft_file_stem(document)}-avsnitt-{number}.pdf",
        )
    )
