"""Admin views: the administration's activity log."""

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.permissions import require_admin
from webapp.services.admin_log import ADMIN_AREAS, admin_events
from webapp.views.admin import bp

AREA_LABELS = {
    "template": _l("Rapportmallar"),
    "organisation": _l("Organisationer"),
    "unit": _l("Verksamheter"),
    "user": _l("Personer"),
}


@bp.get("/activity")
def activity():
    require_admin(current_user)
    area = request.args.get("area") or None
    if area not in ADMIN_AREAS:
        area = None
    return render_template("admin/activity.html", events=admin_events(area), area=area, areas=AREA_LABELS)
