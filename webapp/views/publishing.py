"""Publishing: the chair's Publicera page, and downloading the published versions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.forms.publishing import PublishForm, RenderRequestForm
from webapp.htmx import htmx_redirect, wants_fragment
from webapp.models import RenderJob, RenderKind, RenderState, Report
from webapp.permissions import PermissionDenied, StateForbids, can_read_report
from webapp.services import publishing, reports
from webapp.services.publishing import rendering
from webapp.views.downloads import send_stored_file
from webapp.views.loading import or_404
from webapp.views.reports import STOP_POLLING

bp = Blueprint("publishing", __name__, url_prefix="/reports")


def _final_panel_context(report: Report, job: RenderJob | None) -> dict:
    if job is None:
        return {"job": None}
    return {
        "job": job,
        "panel_id": "final-render",
        "poll_url": url_for("publishing.publish_status", report_id=report.id, job_id=job.id),
        "download_url": url_for("reports.render_pdf", report_id=report.id, job_id=job.id),
        "retry_url": url_for("publishing.request_final_pdf", report_id=report.id),
        "progress": rendering.progress_of(job),
        "progress_steps": rendering.PROGRESS_STEPS,
        "status": rendering.status_of(job),
    }


def _publish_page(report: Report, job: RenderJob | None, form: PublishForm, *, error: str = "", status: int = 200):
    outline = reports.load_outline(report.id)
    check = publishing.checklist(report, job=job, content_hash=job.content_hash if job else None, outline=outline)
    return render_template(
        "publishing/publish.html",
        report=report,
        check=check,
        form=form,
        error=error,
        publications=publishing.publications_of(report.id),
        human_size=publishing.human_size,
        may_request_final=report.is_locked and job is None,
        **_final_panel_context(report, job),
    ), status


def _current_final_job(report: Report, *, retry: bool = False) -> RenderJob | None:
    """The final render of the locked report's content as it is now, requested if there is none.
    An existing job is left as it is unless ``retry`` (the chair's POST): see
    ``rendering.request_prepared``."""
    if not report.is_locked:
        return None
    return rendering.request_render(report.id, RenderKind.FINAL, current_user, retry=retry)


@bp.get("/<int:report_id>/publish")
def publish_page(report_id: int):
    """The checklist, the final PDF's progress and the Publicera button. Loading it never
    requests, re-queues or resets the render: an interrupted one says so and offers Försök igen."""
    publishing.require_chair(current_user)
    report = db.get_or_404(Report, report_id)
    # A GET starts nothing (a link on another site could make the chair's browser follow it):
    # locking asks for the final PDF; without one, the page offers the button that does.
    return _publish_page(report, _existing_final_job(report), PublishForm())


@bp.get("/<int:report_id>/publish/renders/<int:job_id>")
def publish_status(report_id: int, job_id: int):
    """The final render's status, polled by the publish page; when it is finished, the
    checklist and the Publicera button are swapped in anew (out of band)."""
    publishing.require_chair(current_user)
    report = db.get_or_404(Report, report_id)
    job = rendering.job_of_report(report_id, job_id)
    if job is None or job.kind != RenderKind.FINAL:
        abort(404)
    finished = job.state in (RenderState.DONE, RenderState.FAILED)
    context = _final_panel_context(report, job)
    if not finished:
        return render_template("reports/_render_status.html", **context)
    check = publishing.checklist(report, job=job, content_hash=job.content_hash)
    return render_template(
        "publishing/_status_finished.html", report=report, check=check, form=PublishForm(), **context
    ), STOP_POLLING


@bp.post("/<int:report_id>/publish/render")
def request_final_pdf(report_id: int):
    """Make the final PDF: when there is none for the locked content, or again after a failure,
    an interrupted render or one no worker took. With locking, the only place (besides the
    worker's sweep) that queues it."""
    publishing.require_chair(current_user)
    report = db.get_or_404(Report, report_id)
    if not RenderRequestForm().validate_on_submit():
        abort(422, description=_("Begäran kunde inte tolkas. Ladda om sidan och försök igen."))
    if not report.is_locked:
        raise StateForbids(_("Rapporten måste vara låst innan den slutliga PDF:en kan skapas."))
    _current_final_job(report, retry=True)
    db.session.commit()
    return _done(url_for("publishing.publish_page", report_id=report_id))


@bp.post("/<int:report_id>/publish")
def publish(report_id: int):
    publishing.require_chair(current_user)
    report = db.get_or_404(Report, report_id)
    form = PublishForm()
    if not form.validate_on_submit():
        return _publish_page(report, _existing_final_job(report), form, status=422)
    try:
        publication = publishing.publish(
            report,
            current_user,
            leave_threads_open=form.leave_threads_open.data,
            open_threads_reason=form.open_threads_reason.data or "",
        )
    except publishing.OpenThreadsNeedReason as problem:
        db.session.rollback()
        form.open_threads_reason.errors = [*form.open_threads_reason.errors, problem.message]
        return _publish_page(report, _existing_final_job(report), form, status=422)
    except StateForbids as refused:
        # Nothing is stored; the page says why (a render that failed can be started again there).
        db.session.rollback()
        job = _current_final_job(report) if isinstance(refused, publishing.RenderNotReady) else None
        db.session.commit()
        if job is not None:
            db.session.refresh(job)
        return _publish_page(report, job or _existing_final_job(report), form, error=refused.message, status=409)
    db.session.commit()
    flash(_("Version %(version)s är publicerad.", version=publication.version), "success")
    return _done(url_for("reports.overview", report_id=report_id, _anchor="publications"))


def _existing_final_job(report: Report) -> RenderJob | None:
    if not report.is_locked:
        return None
    prepared = rendering.prepare_render(report.id, RenderKind.FINAL)
    return rendering.find_job(RenderKind.FINAL, prepared.content_hash) if prepared else None


def _done(url: str):
    return htmx_redirect(url) if wants_fragment() else redirect(url)


# --- Downloads: everyone signed in ----------------------------------------------------------------


def _published(report_id: int, version: int):
    if not can_read_report(current_user):
        raise PermissionDenied(_("Du har inte behörighet att läsa rapporten."))
    report = db.get_or_404(Report, report_id)
    found = or_404(publishing.publication(report_id, version))
    return report, found


@bp.get("/<int:report_id>/publications/<int:version>.pdf")
def publication_pdf(report_id: int, version: int):
    report, found = _published(report_id, version)
    return send_stored_file(
        found.pdf,
        mimetype="application/pdf",
        sha256=found.sha256,
        download_name=publishing.download_name(report, version, "pdf"),
    )


@bp.get("/<int:report_id>/publications/<int:version>.html")
def publication_html(report_id: int, version: int):
    report, found = _published(report_id, version)
    return send_stored_file(
        found.html.encode("utf-8"),
        mimetype="text/html",
        sha256=publishing.html_etag(found),
        download_name=publishing.download_name(report, version, "html"),
    )
