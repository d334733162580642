"""Workflow transitions of blocks and reports. The buttons come from the same rules (services/review)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.forms.blocks import BlockForm, TransitionForm
from webapp.htmx import htmx_redirect, wants_fragment
from webapp.labels import ACTION_LABELS
from webapp.models import Report
from webapp.permissions import PermissionDenied, StateForbids, can_read_report, is_block_writer, is_reviewer
from webapp.services import blocks as block_service
from webapp.services import reports, review
from webapp.services.blocks import statistics
from webapp.services.publishing import rendering
from webapp.services.reports import activity_log
from webapp.services.reports import queue as review_queue
from webapp.templating import action_label
from webapp.views import blocks as block_views
from webapp.views import listing
from webapp.views.loading import or_404

bp = Blueprint("review", __name__)


def _done(url: str):
    return htmx_redirect(url) if wants_fragment() else redirect(url)


def _save_posted_editor(block):
    """Submitting from the editor saves what is in it first, in the same request.

    Returns the response to give instead when that save cannot be made: the editor with
    the writer's text kept and the reason (form errors 422, someone else's save 409).
    """
    if "source" not in request.form:
        return None
    form = BlockForm()
    if not form.validate_on_submit():
        return block_views.form_errors(block, form)
    tables = block_views.posted_tables(block)
    outcome = block_service.save_block(
        block,
        current_user,
        form.source.data or "",
        base_version=form.base_version.data,
        tables=tables,
        max_bytes=current_app.config["MAX_BLOCK_BYTES"],
        coalesce_seconds=current_app.config["AUTOSAVE_COALESCE_SECONDS"],
    )
    if outcome.kind == "conflict":
        return block_views.conflict_response(block, form, outcome, tables)
    return None


def _posted_transition(actions):
    """The posted form and its action, one of ``actions``; 422 with a message otherwise."""
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(422, description="; ".join(e for errors in form.errors.values() for e in errors))
    try:
        return form, actions(form.action.data)
    except ValueError:
        abort(422, description=_("Okänd åtgärd."))


@bp.post("/blocks/<int:block_id>/transition")
def block_transition(block_id: int):
    if not can_read_report(current_user):
        raise PermissionDenied(_("Du har inte behörighet att läsa rapporten."))
    block = or_404(reports.load_block_for_update(block_id))
    form, action = _posted_transition(review.Action)
    if action is review.Action.SUBMIT and (refusal := _save_posted_editor(block)) is not None:
        return refusal
    problems = statistics.unresolved_problems(
        block, block_service.current_content(block).tables, reports.previous_period_block(block)
    )
    try:
        review.perform(
            current_user,
            block,
            action,
            reason=form.reason.data or "",
            statistics_problems=problems,
            nothing_to_report=form.nothing_to_report.data or "",
        )
    except (PermissionDenied, StateForbids) as refused:
        if action is not review.Action.SUBMIT or not is_block_writer(current_user, block):
            raise
        # Submitting from the editor: what the writer wrote is saved; the block page says what is missing.
        db.session.commit()
        flash(refused.message, "error")
        return _done(url_for("blocks.show", block_id=block_id))
    db.session.commit()
    flash(_("Du %(done)s bidraget.", done=action_label(f"block.{action.value}")), "success")
    return _done(url_for("blocks.show", block_id=block_id))


@bp.post("/reports/<int:report_id>/transition")
def report_transition(report_id: int):
    report = db.get_or_404(Report, report_id)
    form, action = _posted_transition(review.ReportAction)
    # Holds the report until the commit: the final render below is built from what was decided on.
    review.perform_on_report(current_user, report, action, reason=form.reason.data or "")
    if action is review.ReportAction.LOCK:
        rendering.request_final_render(report, current_user)
    db.session.commit()
    flash(_("Du %(done)s.", done=action_label(f"report.{action.value}")), "success")
    return _done(url_for("reports.overview", report_id=report_id))


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/review")
def queue():
    """ "Att granska": submitted blocks, the longest-waiting first, a page at a time.

    ``after`` continues from a cursor: for htmx ("Visa fler") the rows to append in place,
    else the page itself from there (works without JavaScript).
    """
    if not is_reviewer(current_user):
        raise PermissionDenied(_("Granskningskön är för samverkansgruppens granskare."))
    chapter_id, unit_id = _int_arg("chapter"), _int_arg("unit")
    found = review_queue.review_queue_page(chapter_id=chapter_id, unit_id=unit_id, cursor=request.args.get("after"))
    context = {
        "queue": found,
        "blocks": found.page.items,
        "chapter_id": chapter_id,
        "unit_id": unit_id,
        "block_url": listing.id_url_prefix("blocks.show", "block_id"),
    }
    if wants_fragment() and request.args.get("after"):
        return render_template("review/_queue_more.html", **context)
    return render_template("review/queue.html", **context)


@bp.get("/reports/<int:report_id>/activity")
def activity(report_id: int):
    if not can_read_report(current_user):
        raise PermissionDenied(_("Du har inte behörighet att läsa rapporten."))
    report = db.get_or_404(Report, report_id)
    action = request.args.get("action") or None
    if action is not None and action not in ACTION_LABELS:
        action = None
    cursor = request.args.get("after")
    page = activity_log.report_activity(report_id, action=action, cursor=cursor)
    # "Visa fler" with htmx: the next events to append in place; without JavaScript the page from there.
    template = "review/_activity_more.html" if wants_fragment() and cursor else "review/activity.html"
    return render_template(template, report=report, page=page, events=page.items, action=action, actions=ACTION_LABELS)
