"""The dashboard ("Mina bidrag") and language choice (health checks: webapp/views/health.py)."""

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user

from webapp.language import LANGUAGE_SESSION_KEY
from webapp.redirects import safe_next
from webapp.services import reports

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
    )


@bp.post("/language")
def set_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session[LANGUAGE_SESSION_KEY] = language
    return redirect(safe_next(request.form.get("next")))
