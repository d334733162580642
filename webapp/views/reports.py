"""The report overview, its document preview and the draft PDF."""

from io import BytesIO

from flask import Blueprint, abort, render_template, send_file
from flask_login import current_user

from webapp.document import build_document, render_document_html, render_pdf
from webapp.permissions import PermissionDenied, can_read_report
from webapp.services import comments, reports, review

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _require_reader() -> None:
    if not can_read_report(current_user):
        raise PermissionDenied("Du har inte behörighet att läsa rapporten.")


@bp.get("/<int:report_id>")
def overview(report_id: int):
    _require_reader()
    outline = reports.load_outline(report_id)
    if outline is None:
        abort(404)
    report_actions = review.allowed_report_actions(current_user, outline.report, outline.blocks)
    return render_template("reports/overview.html", outline=outline, report=outline.report,
                           report_actions=report_actions, matrix=reports.progress_matrix(outline),
                           open_threads=comments.open_thread_counts(report_id))


def _draft_document(report_id: int):
    _require_reader()
    document = build_document(report_id, draft=True)
    if document is None:
        abort(404)
    return document


@bp.get("/<int:report_id>/preview")
def preview(report_id: int):
    return render_document_html(_draft_document(report_id), for_print=False)


@bp.get("/<int:report_id>/draft.pdf")
def draft_pdf(report_id: int):
    document = _draft_document(report_id)
    pdf = render_pdf(render_document_html(document, for_print=True))
    filename = (f"UTKAST-IOP-verksamhetsrapport-{document.period_start:%Y-%m}--{document.period_end:%Y-%m}.pdf")
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=filename)
