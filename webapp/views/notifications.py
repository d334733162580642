"""The signed-in user's notifications: the list, mark one read, mark all read. E-mail leaves through the worker."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from webapp.extensions import db
from webapp.htmx import wants_fragment
from webapp.services import notifications
from webapp.views.loading import or_404

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("")
def index():
    rows = notifications.list_for(current_user)
    unread = sum(1 for row in rows if row.read_at is None)
    template = "notifications/_list.html" if wants_fragment() else "notifications/index.html"
    return render_template(template, notifications=rows, unread=unread)


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    row = or_404(notifications.mark_read(current_user, notification_id))
    db.session.commit()
    if wants_fragment():
        return render_template("notifications/_item.html", notification=row, oob_nav=True)
    return redirect(url_for("notifications.index"))


@bp.post("/read-all")
def mark_all_read():
    notifications.mark_all_read(current_user)
    db.session.commit()
    if wants_fragment():
        rows = notifications.list_for(current_user)
        return render_template("notifications/_list.html", notifications=rows, unread=0, oob_nav=True)
    return redirect(url_for("notifications.index"))
