"""Signing in and out."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from webapp import rate_limits
from webapp.extensions import db
from webapp.forms.blocks import LoginForm
from webapp.redirects import safe_next
from webapp.services import accounts

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        email = accounts.normalise_email(form.email.data)
        refused = rate_limits.login_refusal(email)
        if refused is not None:  # before authenticate: a refused guess costs no password hash
            return render_template("auth/login.html", form=form, error=refused.message()), 429, refused.headers()
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            target = safe_next(form.next.data)  # judged before signing in: a bad target only falls back
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(target)
        rate_limits.count_login_failure(email)  # only failures count: signing in often is fine
        error = _("Fel e-postadress eller lösenord.")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    # The session's cookies could have been copied; only a new generation makes them worthless,
    # and it ends the person's other sessions too (one generation per person).
    if current_user.is_authenticated:
        accounts.end_sessions(current_user)
        db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))
