"""One place that refuses every change to a locked report, whatever the endpoint.

Services check the state too (and say why in their own words); this guard makes sure
no endpoint can forget. Like Indico's locked-event check, it runs before the view.
"""

from __future__ import annotations

from flask import Flask, request
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Block, Comment, Report, ReportState
from webapp.permissions import StateForbids

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Unlocking is the one change a locked report accepts; the service lets only the chair do it.
# Rendering PDFs and publishing read a locked report and store what is made from it.
EXEMPT_ENDPOINTS = frozenset(
    {"review.report_transition", "reports.request_draft_pdf", "publishing.publish", "publishing.request_final_pdf"}
)
LOCKED_MESSAGE = "Rapporten är låst. Inga ändringar kan göras."


def report_state_for(view_args: dict) -> str | None:
    """The state of the report a request's URL points into, if it points into one."""
    if "block_id" in view_args:
        statement = (
            select(Report.state).join(Block, Block.report_id == Report.id).where(Block.id == view_args["block_id"])
        )
    elif "comment_id" in view_args:
        statement = (
            select(Report.state)
            .join(Block, Block.report_id == Report.id)
            .join(Comment, Comment.block_id == Block.id)
            .where(Comment.id == view_args["comment_id"])
        )
    elif "report_id" in view_args:
        statement = select(Report.state).where(Report.id == view_args["report_id"])
    else:
        return None
    return db.session.scalar(statement)


def refuse_changes_to_locked_reports() -> None:
    if request.method in SAFE_METHODS or request.endpoint in EXEMPT_ENDPOINTS or not request.view_args:
        return
    if report_state_for(request.view_args) == ReportState.LOCKED:
        raise StateForbids(LOCKED_MESSAGE)


def init_app(app: Flask) -> None:
    app.before_request(refuse_changes_to_locked_reports)
