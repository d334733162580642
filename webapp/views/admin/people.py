"""Admin views: people — find, invite, roles and units, deactivate, new password links.

A new link's token is shown once, on the page that answers the POST that made it (never in a
redirect, a flash message or the database), and e-mailed after the commit when mail is on.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from webapp.extensions import db
from webapp.forms.accounts import AccessForm, InviteForm, PeopleFilterForm
from webapp.forms.refusals import show_on_form, translated
from webapp.input_errors import InputRefused
from webapp.labels import ROLE_LABELS, STATUS_LABELS
from webapp.models import Role, TokenPurpose, User
from webapp.permissions import StateForbids, require_admin
from webapp.services.accounts import link_mail as account_mail
from webapp.services.accounts import people, tokens
from webapp.services.mail import mail_enabled
from webapp.signed_in import sign_in_again
from webapp.views.admin.blueprint import bp
from webapp.views.loading import or_404


def _person_or_404(user_id: int) -> User:
    require_admin(current_user)
    return or_404(people.load_person(user_id))


def _unit_choices(units, include_ids: AbstractSet[int] = frozenset()) -> list[SelectChoice]:
    """Active units, plus deactivated ones the person already belongs to (so saving keeps them)."""
    return [
        SelectChoice(unit.id, unit.name if unit.active else _("%(name)s (avvecklad)", name=unit.name))
        for unit in units
        if unit.active or unit.id in include_ids
    ]


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, str(label)) for role, label in ROLE_LABELS.items()]


def _link_page(user: User, link: tokens.IssuedLink, *, invited: bool):
    """The one time the link is shown. Mail (when configured) leaves after the commit."""
    url = account_mail.link_url(link)
    emailed = mail_enabled()
    if emailed:
        account_mail.queue_link_mail(
            user, url, link.record.purpose, link.record.expires_at, sender_name=current_user.name
        )
    db.session.commit()
    return render_template(
        "admin/people/link.html",
        person=user,
        link_url=url,
        invited=invited,
        purpose=link.record.purpose,
        expires_at=link.record.expires_at,
        emailed=emailed,
    )


# --- The list -------------------------------------------------------------------------------------


@bp.get("/people", endpoint="people")
def people_list():
    require_admin(current_user)
    units = people.all_units()
    form = PeopleFilterForm(request.args)
    form.role.choices = [SelectChoice("", _("Alla roller")), *_role_choices()]
    form.unit.choices = [
        SelectChoice("", _("Alla verksamheter")),
        *(SelectChoice(str(unit.id), unit.name) for unit in units),
    ]
    form.status.choices = [
        SelectChoice("", _("Alla")),
        *(SelectChoice(key, str(label)) for key, label in STATUS_LABELS.items()),
    ]
    unit_id = int(form.unit.data) if (form.unit.data or "").isdigit() else None
    wanted = people.PersonFilter(
        text=(form.q.data or "")[:200], role=form.role.data or "", unit_id=unit_id, status=form.status.data or ""
    )
    found = people.list_people(wanted)
    return render_template(
        "admin/people/index.html",
        form=form,
        people=found,
        filtered=wanted != people.PersonFilter(),
        role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS,
        status_of=people.status_of,
    )


# --- Inviting -------------------------------------------------------------------------------------


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.roles.choices = _role_choices()
    form.units.choices = _unit_choices(people.all_units())
    return form


@bp.route("/people/invite", methods=["GET", "POST"])
def invite_person():
    require_admin(current_user)
    form = _invite_form()
    if request.method == "GET":
        form.roles.data = [Role.WRITER.value]
        return render_template("admin/people/invite.html", form=form)
    if form.validate_on_submit():
        try:
            link = people.invite(
                email=form.email.data,
                name=form.name.data,
                roles=form.roles.data or [],
                unit_ids=form.units.data or [],
                invited_by=current_user,
            )
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            return _link_page(link.record.user, link, invited=True)
    return render_template("admin/people/invite.html", form=form), 422


# --- One person -----------------------------------------------------------------------------------


def _access_form(user: User, formdata=None) -> AccessForm:
    form = (
        AccessForm(formdata=formdata)
        if formdata is not None
        else AccessForm(
            data={"roles": sorted(role.value for role in user.roles), "units": [unit.id for unit in user.units]}
        )
    )
    form.roles.choices = _role_choices()
    form.units.choices = _unit_choices(people.all_units(), {unit.id for unit in user.units})
    return form


def _person_page(user: User, form: AccessForm | None = None, *, status: int = 200, refusal: str | None = None):
    return render_template(
        "admin/people/person.html",
        person=user,
        form=form or _access_form(user),
        open_links=tokens.open_links(user),
        status=people.status_of(user),
        status_labels=STATUS_LABELS,
        role_labels=ROLE_LABELS,
        refusal=refusal,
        is_self=user.id == current_user.id,
    ), status


@bp.get("/people/<int:user_id>")
def person(user_id: int):
    return _person_page(_person_or_404(user_id))


@bp.post("/people/<int:user_id>/access")
def set_person_access(user_id: int):
    user = _person_or_404(user_id)
    form = _access_form(user, formdata=request.form)
    if not form.validate_on_submit():
        return _person_page(user, form, status=422)
    try:
        changed = people.set_access(user, roles=form.roles.data or [], unit_ids=form.units.data or [], by=current_user)
    except InputRefused as error:
        db.session.rollback()
        show_on_form(form, error)
        return _person_page(or_404(people.load_person(user_id)), form, status=422)
    except StateForbids as error:
        db.session.rollback()
        return _person_page(or_404(people.load_person(user_id)), form, status=409, refusal=translated(error))
    db.session.commit()
    if changed and user.id == current_user.id:
        sign_in_again()  # their generation was raised: this session goes on under the new access
    flash(_("Roller och verksamheter är sparade.") if changed else _("Inget ändrades."), "success")
    if user.id == current_user.id and not user.has_role(Role.ADMIN):
        return redirect(url_for("main.dashboard"))  # they handed the admin role over
    return redirect(url_for("admin.person", user_id=user_id))


def _act_on_person(user_id: int, action, done_message: str):
    user = _person_or_404(user_id)  # the CSRF token is checked for every POST (CSRFProtect)
    try:
        action(user)
    except StateForbids as error:
        db.session.rollback()
        return _person_page(or_404(people.load_person(user_id)), status=409, refusal=translated(error))
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("admin.person", user_id=user_id))


@bp.post("/people/<int:user_id>/deactivate")
def deactivate_person(user_id: int):
    return _act_on_person(
        user_id,
        lambda user: people.deactivate(user, by=current_user),
        _("Kontot är avstängt. Personen är utloggad och kan inte logga in."),
    )


@bp.post("/people/<int:user_id>/reactivate")
def reactivate_person(user_id: int):
    return _act_on_person(user_id, lambda user: people.reactivate(user, by=current_user), _("Kontot är aktivt igen."))


@bp.post("/people/<int:user_id>/link")
def new_person_link(user_id: int):
    """A new invitation link (no password chosen yet) or a password reset link."""
    user = _person_or_404(user_id)
    try:
        link = people.new_password_link(user, by=current_user)
    except StateForbids as error:
        db.session.rollback()
        return _person_page(or_404(people.load_person(user_id)), status=409, refusal=translated(error))
    return _link_page(user, link, invited=link.record.purpose == TokenPurpose.INVITATION)
