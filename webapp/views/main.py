"""The dashboard ("Mina bidrag") and language choice (health checks: webapp/views/health.py)."""

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user

from webapp.language import LANGUAGE_SESSION_KEY
from webapp.redirects import safe_next
from webapp.services import reports
from webapp.templating import human_date
from webapp.views.listing import id_url_prefix, state_labels

bp = Blueprint("main", __name__)


@bp.get("/")
def dashboard():
    state = request.args.get("state") or None
    mine = reports.my_blocks(current_user)
    counts = reports.count_by_state(mine)
    if state not in counts:
        state = None
    return render_template(
        "dashboard/index.html",
        blocks=[b for b in mine if state is None or b.state == state],
        counts=counts,
        total=len(mine),
        state=state,
        reports=reports.list_reports(),
        # Computed once per request, not once per row:
        state_labels=state_labels(),
        block_url=id_url_prefix("blocks.show", "block_id"),
        deadlines={block.report_id: human_date(block.report.deadline) for block in mine},
    )


@bp.post("/language")
def set_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session[LANGUAGE_SESSION_KEY] = language
    return redirect(safe_next(request.form.get("next")))
