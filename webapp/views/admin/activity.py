"""Admin views: the administration's activity log."""

from flask import render_template, request
from flask_login import current_user

from webapp.htmx import wants_fragment
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
    cursor = request.args.get("after")
    page = admin_events(area, cursor=cursor)
    # "Visa fler" with htmx: the next events to append in place; without JavaScript the page from there.
    template = "admin/_activity_more.html" if wants_fragment() and cursor else "admin/activity.html"
    return render_template(template, page=page, events=page.items, area=area, areas=ADMIN_AREA_LABELS)
