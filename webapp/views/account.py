"""A person's own account (name, password), and the public pages of one-time links.

``/account/invitation/<token>`` and ``/account/reset/<token>`` need no sign-in: the link is the
proof. Opening one changes nothing; choosing a password uses it up and signs the person in.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from flask_wtf import FlaskForm

from webapp import rate_limits
from webapp.extensions import db
from webapp.forms.accounts import ChangePasswordForm, ChoosePasswordForm, NameForm
from webapp.forms.refusals import show_on_form
from webapp.input_errors import InputRefused
from webapp.models import TokenPurpose
from webapp.permissions import PermissionDenied
from webapp.services import accounts
from webapp.services.accounts import tokens
from webapp.services.accounts.passwords import MIN_PASSWORD_LENGTH
from webapp.signed_in import sign_in_again

bp = Blueprint("account", __name__, url_prefix="/account")

# Reachable without signing in (see security.PUBLIC_ENDPOINTS).
PUBLIC_ENDPOINTS = frozenset({"account.invitation", "account.reset"})


# --- Own account ----------------------------------------------------------------------------------


def _require_signed_in() -> None:
    if not current_user.is_authenticated or not current_user.active:
        raise PermissionDenied(_("Logga in för att se ditt konto."))


def _account_page(
    name_form: NameForm | None = None, password_form: ChangePasswordForm | None = None, status: int = 200
):
    return render_template(
        "account/index.html",
        name_form=name_form or NameForm(data={"name": current_user.name}),
        password_form=password_form or ChangePasswordForm(),
        min_length=MIN_PASSWORD_LENGTH,
    ), status


@bp.get("")
def index():
    _require_signed_in()
    return _account_page()


@bp.post("/name")
def change_name():
    _require_signed_in()
    form = NameForm()
    if form.validate_on_submit():
        try:
            changed = accounts.change_own_name(current_user, form.name.data)
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Ditt namn är sparat.") if changed else _("Inget ändrades."), "success")
            return redirect(url_for("account.index"))
    return _account_page(name_form=form, status=422)


@bp.post("/password")
def change_password():
    _require_signed_in()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current_password.data, form.password.data)
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            sign_in_again()
            flash(_("Ditt nya lösenord är sparat. Du är utloggad överallt utom här, i den här webbläsaren."), "success")
            return redirect(url_for("account.index"))
    return _account_page(password_form=form, status=422)


@bp.post("/sessions/end")
def sign_out_everywhere():
    """Every other session and remember cookie of the person ends; this one stays signed in."""
    _require_signed_in()
    form = FlaskForm()  # the CSRF token only
    if not form.validate_on_submit():
        return _account_page(status=422)
    accounts.sign_out_everywhere(current_user._get_current_object())
    db.session.commit()
    sign_in_again()
    flash(
        _("Du är nu utloggad på alla andra enheter och i alla andra webbläsare. Här är du fortfarande inloggad."),
        "success",
    )
    return redirect(url_for("account.index"))


# --- One-time links -------------------------------------------------------------------------------


def _link_refused(status: tokens.LinkStatus):
    titles = {
        tokens.LinkStatus.UNKNOWN: (
            404,
            _("Länken finns inte"),
            _("Länken är ogiltig. Kontrollera att hela länken kom med, eller be administratören om en ny."),
        ),
        tokens.LinkStatus.USED: (
            410,
            _("Länken är redan använd"),
            _(
                "Länken fungerar bara en gång och har redan använts. Logga in med ditt "
                "lösenord, eller be administratören om en ny länk."
            ),
        ),
        tokens.LinkStatus.EXPIRED: (
            410,
            _("Länken gäller inte längre"),
            _("Länken har gått ut eller ersatts av en nyare. Be administratören om en ny länk."),
        ),
    }
    code, title, message = titles[status]
    return render_template("account/link_refused.html", title=title, message=message), code


def _too_many_attempts(refused: rate_limits.Refusal):
    page = render_template("account/link_refused.html", title=_("För många försök"), message=refused.message())
    return page, 429, refused.headers()


def _choose_password(token: str, purpose: TokenPurpose):
    # Per address, before the look-up and any hash: guessing links, or posting passwords to
    # one, is slowed down; opening a valid link and choosing a password once costs one attempt.
    refused = rate_limits.link_refusal()
    if refused is not None:
        return _too_many_attempts(refused)
    status, record = tokens.look_up(token, purpose)
    if status != tokens.LinkStatus.VALID:
        rate_limits.count_link_attempt()
        return _link_refused(status)
    assert record is not None  # look_up finds a link VALID only with its record
    form = ChoosePasswordForm()
    person = record.user
    page = {"form": form, "person": person, "purpose": purpose, "min_length": MIN_PASSWORD_LENGTH}
    if request.method == "GET":
        return render_template("account/choose_password.html", **page)
    rate_limits.count_link_attempt()
    if form.validate_on_submit():
        try:
            user = accounts.choose_password_with_link(record, form.password.data)
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        except accounts.LinkAlreadyUsed:
            db.session.rollback()
            return _link_refused(tokens.LinkStatus.USED)
        else:
            login_user(user)
            db.session.commit()
            flash(_("Välkommen, %(name)s! Ditt lösenord är sparat och du är inloggad.", name=user.name), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("account/choose_password.html", **page), 422


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    return _choose_password(token, TokenPurpose.INVITATION)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    return _choose_password(token, TokenPurpose.PASSWORD_RESET)
