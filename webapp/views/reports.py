"""The report overview, its document preview and draft PDFs (rendered by the background worker)."""

from collections.abc import Iterable
from urllib.parse import urlencode

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from webapp.document import render_chapter_page, render_contents_page, render_document_html
from webapp.extensions import db
from webapp.forms.publishing import RenderRequestForm
from webapp.htmx import wants_fragment
from webapp.models import RenderJob, RenderKind, RenderState, Report
from webapp.permissions import PermissionDenied, can_read_report, is_chair
from webapp.rate_limits import document_previews_limited
from webapp.services import publishing, reports, review
from webapp.services.publishing import rendering
from webapp.services.reports.documents import build_chapter, build_contents, build_document
from webapp.services.review import comments
from webapp.views.downloads import send_stored_file
from webapp.views.listing import empty_block_labels, id_url_prefix, open_thread_labels, state_labels
from webapp.views.loading import or_404

bp = Blueprint("reports", __name__, url_prefix="/reports")

# htmx stops polling when a poll is answered with 286; the answer is still swapped in.
STOP_POLLING = 286


def _require_reader() -> None:
    if not can_read_report(current_user):
        raise PermissionDenied("Du har inte behörighet att läsa rapporten.")


@bp.get("/<int:report_id>")
def overview(report_id: int):
    _require_reader()
    outline = or_404(reports.load_progress(report_id))
    report_actions = review.allowed_report_actions(current_user, outline.report, outline.blocks)
    return render_template(
        "reports/overview.html",
        outline=outline,
        report=outline.report,
        report_actions=report_actions,
        publications=publishing.publications_of(report_id),
        human_size=publishing.human_size,
        can_publish=is_chair(current_user) and outline.report.is_locked,
        **_matrix_context(outline, _expanded_organisations()),
    )


# --- The progress matrix: a part of the overview, swapped alone when an organisation opens ------


def _expanded_organisations() -> frozenset[int]:
    """The organisations whose units the matrix shows (``?visa=<organisation id>``, repeatable)."""
    return frozenset(int(value) for value in request.args.getlist("visa") if value.isdigit() and len(value) < 10)


def _matrix_context(outline: reports.ReportProgress, expanded: frozenset[int]) -> dict:
    """What reports/_matrix.html shows, with the per-request constants it needs computed once."""
    report_id = outline.report.id
    open_threads = comments.open_thread_counts(report_id)
    matrix = reports.overview_matrix(outline, open_threads, expanded)
    toggles = {}
    if matrix.summarised:
        # Two URLs per organisation (the page without JavaScript, the fragment for htmx), built from
        # two url_for calls in all: a cell of a summarised column links to its organisation's toggle.
        page, fragment = (
            url_for("reports.overview", report_id=report_id),
            url_for("reports.matrix", report_id=report_id),
        )
        shown = expanded & {group.organisation.id for group in matrix.groups}
        for group in matrix.groups:
            query = urlencode([("visa", i) for i in sorted(shown ^ {group.organisation.id})])
            query = f"?{query}" if query else ""
            toggles[group.organisation.id] = (f"{page}{query}#progress-matrix", f"{fragment}{query}")
    # A summary cell opens its organisation: the link's start tag, escaped once per organisation.
    summary_links = {
        organisation_id: Markup('<a href="{}" hx-get="{}">').format(*urls) for organisation_id, urls in toggles.items()
    }
    looks = matrix.looks()
    return {
        "matrix": matrix,
        "toggles": toggles,
        "looks": looks,
        "state_labels": state_labels(),
        "thread_labels": open_thread_labels(look.open_threads for look in looks),
        "empty_labels": empty_block_labels(look.empty for look in looks if look.summary),
        "summary_links": summary_links,
        "summary_texts": _summary_texts(look for look in looks if look.summary),
        "block_url": id_url_prefix("blocks.show", "block_id"),
    }


def _summary_texts(looks: Iterable[reports.CellLook]) -> dict[int, dict[int, str]]:
    """total → approved → "3 av 5 godkända", for each pair the summaries show."""
    pattern = _("%(approved)s av %(total)s godkända")
    texts: dict[int, dict[int, str]] = {}
    for look in looks:
        texts.setdefault(look.total, {})[look.approved] = pattern % {"approved": look.approved, "total": look.total}
    return texts


@bp.get("/<int:report_id>/matrix")
def matrix(report_id: int):
    """The progress matrix alone, for htmx; the address bar shows the overview it belongs to."""
    _require_reader()
    expanded = _expanded_organisations()
    page_url = url_for("reports.overview", report_id=report_id, visa=sorted(expanded))
    if not wants_fragment():
        return redirect(f"{page_url}#progress-matrix")
    outline = or_404(reports.load_progress(report_id))
    response = make_response(
        render_template("reports/_matrix.html", report=outline.report, **_matrix_context(outline, expanded))
    )
    response.headers["HX-Push-Url"] = page_url
    return response


# --- The document preview: contents first, each chapter on demand, or the whole on one page --------
#
# The first page holds cover and contents only and loads each chapter as it scrolls into view, so
# it comes as fast for 100 units as for 10. Chapters are what a reader scrolls through, so they do
# not count against the per-user limit; the whole document on one page does, as the PDF and HTML
# edition previews do (webapp/views/documents.py).


@bp.get("/<int:report_id>/preview")
def preview(report_id: int):
    _require_reader()
    return render_contents_page(or_404(build_contents(report_id, draft=True)))


@bp.get("/<int:report_id>/preview/<int:chapter>")
def preview_chapter(report_id: int, chapter: int):
    """One chapter: as htmx asks for it from the first page, or as a page of its own."""
    _require_reader()
    document = or_404(build_chapter(report_id, chapter, draft=True))
    if wants_fragment():
        return render_chapter_page(document)
    return render_chapter_page(document, or_404(build_contents(report_id, draft=True)))


@bp.get("/<int:report_id>/preview/all")
@document_previews_limited
def preview_whole(report_id: int):
    """The whole document on one page, for searching it or printing it from the browser."""
    _require_reader()
    return render_document_html(or_404(build_document(report_id, draft=True)), for_print=False)


# --- Draft PDFs: requested here, rendered by the worker, downloaded when done ---------------------


def render_download_name(job: RenderJob) -> str:
    report = db.session.get_one(Report, job.report_id)  # a job's report_id is a foreign key
    period = f"{report.period_start:%Y-%m}--{report.period_end:%Y-%m}"
    if job.kind == RenderKind.DRAFT:
        return f"UTKAST-IOP-verksamhetsrapport-{period}.pdf"
    return f"IOP-verksamhetsrapport-{period}-ej-publicerad.pdf"


def render_panel_context(report_id: int, job: RenderJob) -> dict:
    """What _render_panel.html and _render_status.html show for a draft render."""
    return {
        "job": job,
        "panel_id": "draft-render",
        "poll_url": url_for("reports.render_page", report_id=report_id, job_id=job.id),
        "download_url": url_for("reports.render_pdf", report_id=report_id, job_id=job.id),
        "retry_url": url_for("reports.request_draft_pdf", report_id=report_id),
        "progress": rendering.progress_of(job),
        "progress_steps": rendering.PROGRESS_STEPS,
        "status": rendering.status_of(job),
    }


def _requested_draft(report_id: int, *, retry: bool) -> RenderJob:
    _require_reader()
    job = or_404(rendering.request_render(report_id, RenderKind.DRAFT, current_user, retry=retry))
    db.session.commit()  # the worker is handed the job only now, so it finds the row
    db.session.refresh(job)  # in immediate mode (tests) the render has already happened
    return job


@bp.post("/<int:report_id>/draft-pdf")
def request_draft_pdf(report_id: int):
    """Ask for the draft PDF of the report as it is now; the answer shows the progress."""
    form = RenderRequestForm()
    if not form.validate_on_submit():
        abort(422, description=_("Begäran kunde inte tolkas. Ladda om sidan och försök igen."))
    job = _requested_draft(report_id, retry=True)
    if wants_fragment():
        return render_template("reports/_render_panel.html", **render_panel_context(report_id, job))
    return redirect(url_for("reports.render_page", report_id=report_id, job_id=job.id))


@bp.get("/<int:report_id>/draft.pdf")
def draft_pdf(report_id: int):
    """The draft PDF of the current content if it has been rendered; else, the page of a render
    under way, or the page that offers to start one. A GET never starts a render: a link from
    another site must not be able to make the worker spend minutes on a report."""
    _require_reader()
    prepared = or_404(rendering.prepare_render(report_id, RenderKind.DRAFT))
    job = rendering.find_job(RenderKind.DRAFT, prepared.content_hash)
    if job is not None and job.state == RenderState.DONE:
        return _send_job_pdf(job)
    if job is not None and job.state in (RenderState.QUEUED, RenderState.RUNNING) and not rendering.is_stale(job):
        return redirect(url_for("reports.render_page", report_id=report_id, job_id=job.id))
    return render_template("reports/draft_pdf.html", report=db.session.get(Report, report_id), failed=job is not None)


def _job_or_404(report_id: int, job_id: int) -> RenderJob:
    _require_reader()
    return or_404(rendering.job_of_report(report_id, job_id))


@bp.get("/<int:report_id>/renders/<int:job_id>")
def render_page(report_id: int, job_id: int):
    """A render's progress: the page, or (polled by htmx) its status fragment."""
    job = _job_or_404(report_id, job_id)
    context = render_panel_context(report_id, job)
    if wants_fragment():
        finished = job.state in (RenderState.DONE, RenderState.FAILED)
        return render_template("reports/_render_status.html", **context), STOP_POLLING if finished else 200
    return render_template("reports/render.html", report=db.session.get(Report, report_id), **context)


@bp.get("/<int:report_id>/renders/<int:job_id>.pdf")
def render_pdf(report_id: int, job_id: int):
    job = _job_or_404(report_id, job_id)
    if job.state != RenderState.DONE:
        abort(404, description=_("PDF:en är inte klar än."))
    return _send_job_pdf(job)


def _send_job_pdf(job: RenderJob):
    return send_stored_file(
        job.pdf or b"", mimetype="application/pdf", download_name=render_download_name(job), sha256=job.sha256 or ""
    )
