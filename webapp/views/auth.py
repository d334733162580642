"""Signing in and out."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from webapp import rate_limits
from webapp.extensions import db
from webapp.forms.accounts import ForgotPasswordForm
from webapp.forms.blocks import LoginForm
from webapp.forms.refusals import show_on_form
from webapp.input_errors import InputRefused
from webapp.redirects import safe_next
from webapp.services import accounts
from webapp.services.accounts import forgotten, link_mail, people
from webapp.services.mail import mail_enabled, site_address

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
    return render_template("auth/login.html", form=form, error=error, contact=_support_contact()), status


def _support_contact() -> str:
    """Whom to ask for an account or a new password (SUPPORT_CONTACT); empty: the general text."""
    return (current_app.config.get("SUPPORT_CONTACT") or "").strip()


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """A reset link by e-mail when mail is on; otherwise whom to ask. The answer to a request is
    the same whether or not the address has an account (nothing to learn about who has one)."""
    if current_user.is_authenticated:
        return redirect(url_for("account.index"))
    contact = _support_contact()
    # Links only on the configured address: built from this request's Host header (which anyone
    # asking for someone else's link chooses), the mail could send her token to another site.
    if not mail_enabled() or site_address() is None:  # no form: the coordinator gives a new password
        status = 409 if request.method == "POST" else 200
        return render_template("auth/forgot_password.html", form=None, contact=contact), status
    form = ForgotPasswordForm()
    if request.method == "GET":
        return render_template("auth/forgot_password.html", form=form, contact=contact)
    if form.validate_on_submit():
        try:
            email = people.clean_email(form.email.data)
        except InputRefused as error:
            show_on_form(form, error)
        else:
            refused = rate_limits.reset_request_refusal(email)
            if refused is not None:
                page = render_template("auth/forgot_password.html", form=form, contact=contact, error=refused.message())
                return page, 429, refused.headers()
            rate_limits.count_reset_request(email)
            link = forgotten.requested_link(email)
            if link is not None:
                record = link.record
                link_mail.queue_link_mail(
                    record.user, link_mail.link_url(link), record.purpose, record.expires_at, sender_name=None
                )
            db.session.commit()
            flash(
                _(
                    "Om adressen hör till ett konto har vi skickat en länk till den. Öppna länken i mejlet "
                    "och välj ett nytt lösenord. Kommer inget mejl inom några minuter: titta i skräpposten, "
                    "eller kontakta samordnaren."
                ),
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form, contact=contact), 422


@bp.post("/logout")
def logout():
    # The session's cookies could have been copied; only a new generation makes them worthless,
    # and it ends the person's other sessions too (one generation per person).
    if current_user.is_authenticated:
        accounts.end_sessions(current_user)
        db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))
