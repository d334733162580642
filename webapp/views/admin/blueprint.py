"""The admin blueprint: every endpoint under /admin is for admins only.

The check runs before each request (and each admin view module also calls ``require_admin``
where it loads what it changes, so a view moved elsewhere keeps its guard). The area modules
of this package add their routes to ``bp``; the package imports them all.
"""

from flask import Blueprint, render_template
from flask_login import current_user

from webapp.permissions import require_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    require_admin(current_user)


@bp.get("/")
def index():
    return render_template("admin/index.html")
