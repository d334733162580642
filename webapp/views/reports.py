"""The report overview, its document preview and draft PDFs (rendered by the background worker)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.document import render_chapter_page, render_contents_page, render_document_html
from webapp.extensions import db
from webapp.forms.publishing import RenderRequestForm
from webapp.htmx import htmx_redirect, wants_fragment
from webapp.models import RenderJob, RenderKind, RenderState, Report
from webapp.permissions import PermissionDenied, can_read_report, is_chair
from webapp.rate_limits import document_previews_limited
from webapp.services import publishing, reports, review
from webapp.services.publishing import rendering
from webapp.services.reports.documents import build_chapter, build_contents, build_document
from webapp.services.review import comments
from webapp.services.review.workflow import HasState
from webapp.views.downloads import send_stored_file
from webapp.views.listing import id_url_prefix, open_thread_labels, state_labels
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
    expanded = _expanded_organisations()
    progress = reports.load_overview(report_id, expanded)
    if progress is None:
        abort(404)
    blocks: Sequence[HasState]
    if isinstance(progress, reports.GroupedProgress):
        blocks, context = progress.totals.states(), _grouped_context(progress, expanded)
    else:
        blocks, context = progress.blocks, _matrix_context(progress)
    return render_template(
        "reports/overview.html",
        report=progress.report,
        totals=progress.totals,
        report_actions=review.allowed_report_actions(current_user, progress.report, blocks),
        publications=publishing.publications_of(report_id),
        human_size=publishing.human_size,
        can_publish=is_chair(current_user) and progress.report.is_locked,
        **context,
    )


# --- The progress: one matrix up to MATRIX_UNIT_COLUMNS units; above, counts per section and per
# organisation, each organisation expandable to its own matrix (?visa=<id>, repeatable) --------


def _expanded_organisations() -> frozenset[int]:
    """The organisations whose matrices the overview shows (``?visa=<organisation id>``, repeatable)."""
    return frozenset(int(value) for value in request.args.getlist("visa") if value.isdigit() and len(value) < 10)


def _cell_context(report_id: int, matrices: Iterable[reports.OverviewMatrix], open_threads: Iterable[int] = ()) -> dict:
    """The per-request constants reports/_matrix.html needs, computed once for all its cells
    (``open_threads``: more numbers of open threads shown outside the matrices)."""
    looks = {look for matrix in matrices for look in matrix.looks()}
    return {
        "chapter_url": id_url_prefix("reports.preview_chapter", "chapter", report_id=report_id),
        "state_labels": state_labels(),
        "thread_labels": open_thread_labels([*open_threads, *(look.open_threads for look in looks)]),
        "block_url": id_url_prefix("blocks.show", "block_id"),
    }


def _matrix_context(progress: reports.ReportProgress) -> dict:
    matrix = reports.overview_matrix(progress, comments.open_thread_counts(progress.report.id))
    return {"matrix": matrix, "looks": matrix.looks(), **_cell_context(progress.report.id, [matrix])}


@dataclass(frozen=True)
class Toggle:
    """An organisation's link that opens or closes its matrix: the overview's address (without
    JavaScript) and the fragment's (htmx), with the set of open organisations it leads to."""

    page: str
    fragment: str
    expanded: bool


def _toggles(report_id: int, organisation_ids: Iterable[int], shown: frozenset[int]) -> dict[int, Toggle]:
    page, fragment = (
        url_for("reports.overview", report_id=report_id),
        id_url_prefix("reports.organisation_matrix", "organisation_id", report_id=report_id),
    )
    toggles = {}
    for organisation_id in organisation_ids:
        query = "&".join(f"visa={i}" for i in sorted(shown ^ {organisation_id}))  # ids: nothing to quote
        query = f"?{query}" if query else ""
        toggles[organisation_id] = Toggle(
            f"{page}{query}#org-{organisation_id}", f"{fragment}{organisation_id}{query}", organisation_id in shown
        )
    return toggles


def _grouped_context(progress: reports.GroupedProgress, expanded: frozenset[int]) -> dict:
    shown = expanded & {o.organisation.id for o in progress.organisations}
    matrices = [o.matrix for o in progress.organisations if o.matrix is not None]
    return {
        "progress": progress,
        "toggles": _toggles(progress.report.id, (o.organisation.id for o in progress.organisations), shown),
        "progress_states": reports.PROGRESS_STATES,
        "approved_of": _("%(approved)s av %(total)s godkända"),  # formatted per row: translated once
        **_cell_context(
            progress.report.id,
            matrices,
            (s.joint.open_threads for _c, sections in progress.chapters for s in sections if s.joint),
        ),
    }


@bp.get("/<int:report_id>/organisations/<int:organisation_id>")
def organisation_matrix(report_id: int, organisation_id: int):
    """One organisation's row of a big report's overview, opened or closed (``?visa=`` names the
    organisations open after the click), for htmx: the address bar shows the overview it belongs
    to, and the other organisations' links follow (out of band)."""
    _require_reader()
    expanded = _expanded_organisations()
    page_url = url_for("reports.overview", report_id=report_id, visa=sorted(expanded))
    if not wants_fragment():
        return redirect(f"{page_url}#org-{organisation_id}")
    progress = or_404(reports.load_overview(report_id, expanded & {organisation_id}, sections=False))
    if not isinstance(progress, reports.GroupedProgress):  # a small report: one matrix, nothing to open
        return htmx_redirect(page_url)
    row = next((o for o in progress.organisations if o.organisation.id == organisation_id), None)
    if row is None:
        abort(404)
    context = _grouped_context(progress, expanded)
    response = make_response(
        render_template("reports/_organisation_progress.html", row=row, report=progress.report, oob=True, **context)
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
