"""Admin views: the administration's activity log."""

from flask import render_template, request
from flask_login import current_user

from webapp.labels import ADMIN_AREA_LABELS
from webapp.permissions import require_admin
from webapp.services.admin_log import ADMIN_AREAS, admin_events
from webapp.views.admin.blueprint import bp


@bp.get("/activity")
def activity():
    require_admin(current_user)
    area = request.args.get("area") or None
    if area not in ADMIN_AREAS:
        area = None
    return render_template("admin/activity.html", events=admin_events(area), area=area, areas=ADMIN_AREA_LABELS)
