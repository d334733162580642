"""Admin views: organisations and units — names, kinds, capacity schedules, closing a unit down."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from webapp.extensions import db
from webapp.forms.accounts import CapacityForm, OrganisationForm, UnitForm
from webapp.forms.refusals import show_on_form
from webapp.input_errors import InputRefused
from webapp.labels import UNIT_KIND_LABELS
from webapp.models import Organisation, Unit, UnitCapacity, UnitKind
from webapp.permissions import require_admin
from webapp.services.accounts import organisations as organisation_service
from webapp.views.admin.blueprint import bp
from webapp.views.loading import or_404

NEW_UNIT_PREFIX = "unit"  # the new-unit form shares its page with the rename form


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, str(label)) for kind, label in UNIT_KIND_LABELS.items()]


def _organisation_or_404(organisation_id: int) -> Organisation:
    require_admin(current_user)
    return or_404(organisation_service.load_organisation(organisation_id))


def _unit_or_404(unit_id: int) -> Unit:
    require_admin(current_user)
    return or_404(organisation_service.load_unit(unit_id))


def _entry_or_404(unit: Unit, entry_id: int) -> UnitCapacity:
    return or_404(organisation_service.find_capacity(unit, entry_id))


def _saved(message: str, target: str):
    db.session.commit()
    flash(message, "success")
    return redirect(target)


# --- Organisations --------------------------------------------------------------------------------


def _list_page(form: OrganisationForm | None = None, status: int = 200):
    return render_template(
        "admin/organisations/index.html",
        organisations=organisation_service.list_organisations(),
        form=form or OrganisationForm(),
        kind_labels=UNIT_KIND_LABELS,
        totals=organisation_service.schedule_totals,
    ), status


@bp.get("/organisations")
def organisations():
    require_admin(current_user)
    return _list_page()


@bp.post("/organisations")
def create_organisation():
    require_admin(current_user)
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = organisation_service.create_organisation(form.name.data, by=current_user)
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            return _saved(
                _("Organisationen ”%(name)s” är skapad.", name=organisation.name),
                url_for("admin.organisation", organisation_id=organisation.id),
            )
    return _list_page(form, 422)


def _organisation_page(
    organisation: Organisation,
    rename_form: OrganisationForm | None = None,
    unit_form: UnitForm | None = None,
    status: int = 200,
):
    if unit_form is None:
        unit_form = UnitForm(prefix=NEW_UNIT_PREFIX, formdata=None)
    unit_form.kind.choices = _kind_choices()
    return render_template(
        "admin/organisations/organisation.html",
        organisation=organisation,
        rename_form=rename_form or OrganisationForm(formdata=None, data={"name": organisation.name}),
        unit_form=unit_form,
        kind_labels=UNIT_KIND_LABELS,
    ), status


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    return _organisation_page(_organisation_or_404(organisation_id))


@bp.post("/organisations/<int:organisation_id>/rename")
def rename_organisation(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            changed = organisation_service.rename_organisation(organisation, form.name.data, by=current_user)
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            return _saved(
                _("Namnet är sparat.") if changed else _("Inget ändrades."),
                url_for("admin.organisation", organisation_id=organisation_id),
            )
    return _organisation_page(_organisation_or_404(organisation_id), rename_form=form, status=422)


@bp.post("/organisations/<int:organisation_id>/units")
def create_unit(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    form = UnitForm(prefix=NEW_UNIT_PREFIX)
    form.kind.choices = _kind_choices()
    if form.validate_on_submit():
        try:
            unit = organisation_service.create_unit(organisation, form.name.data, form.kind.data, by=current_user)
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            return _saved(
                _("Verksamheten ”%(name)s” är skapad.", name=unit.name), url_for("admin.unit", unit_id=unit.id)
            )
    return _organisation_page(_organisation_or_404(organisation_id), unit_form=form, status=422)


# --- Units ----------------------------------------------------------------------------------------


def _unit_page(
    unit: Unit, unit_form: UnitForm | None = None, capacity_form: CapacityForm | None = None, status: int = 200
):
    if unit_form is None:
        unit_form = UnitForm(formdata=None, data={"name": unit.name, "kind": str(unit.kind)})
    unit_form.kind.choices = _kind_choices()
    return render_template(
        "admin/organisations/unit.html",
        unit=unit,
        unit_form=unit_form,
        capacity_form=capacity_form or CapacityForm(formdata=None),
        is_night=unit.kind == UnitKind.NIGHT,
        totals=organisation_service.schedule_totals(unit.capacity),
        overlaps=organisation_service.has_overlaps(unit.capacity),
        history=organisation_service.unit_history(unit),
        kind_labels=UNIT_KIND_LABELS,
    ), status


@bp.get("/units/<int:unit_id>")
def unit(unit_id: int):
    return _unit_page(_unit_or_404(unit_id))


@bp.post("/units/<int:unit_id>")
def update_unit(unit_id: int):
    unit = _unit_or_404(unit_id)
    form = UnitForm()
    form.kind.choices = _kind_choices()
    if form.validate_on_submit():
        try:
            changed = organisation_service.update_unit(unit, form.name.data, form.kind.data, by=current_user)
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            return _saved(
                _("Verksamheten är sparad.") if changed else _("Inget ändrades."),
                url_for("admin.unit", unit_id=unit_id),
            )
    return _unit_page(_unit_or_404(unit_id), unit_form=form, status=422)


@bp.post("/units/<int:unit_id>/deactivate")
def deactivate_unit(unit_id: int):
    unit = _unit_or_404(unit_id)
    organisation_service.deactivate_unit(unit, by=current_user)
    return _saved(
        _(
            "”%(name)s” är avvecklad. Dess bidrag i tidigare rapporter finns kvar; nya rapporter får "
            "inga bidrag från den.",
            name=unit.name,
        ),
        url_for("admin.unit", unit_id=unit_id),
    )


@bp.post("/units/<int:unit_id>/reactivate")
def reactivate_unit(unit_id: int):
    unit = _unit_or_404(unit_id)
    organisation_service.reactivate_unit(unit, by=current_user)
    return _saved(
        _("”%(name)s” är aktiv igen och får bidrag i rapporter som skapas härefter.", name=unit.name),
        url_for("admin.unit", unit_id=unit_id),
    )


# --- Capacity schedule ----------------------------------------------------------------------------


@bp.post("/units/<int:unit_id>/capacity")
def add_capacity(unit_id: int):
    unit = _unit_or_404(unit_id)
    form = CapacityForm()
    if form.validate_on_submit():
        try:
            organisation_service.add_capacity(
                unit, form.places.data, form.from_date.data, form.until_date.data, by=current_user
            )
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            return _saved(_("Platserna är tillagda."), url_for("admin.unit", unit_id=unit_id, _anchor="capacity"))
    return _unit_page(_unit_or_404(unit_id), capacity_form=form, status=422)


def _entry_page(unit: Unit, entry: UnitCapacity, form: CapacityForm | None = None, status: int = 200):
    form = form or CapacityForm(
        formdata=None, data={"places": entry.places, "from_date": entry.from_date, "until_date": entry.until_date}
    )
    return render_template("admin/organisations/capacity_entry.html", unit=unit, entry=entry, form=form), status


@bp.get("/units/<int:unit_id>/capacity/<int:entry_id>")
def capacity_entry(unit_id: int, entry_id: int):
    unit = _unit_or_404(unit_id)
    return _entry_page(unit, _entry_or_404(unit, entry_id))


@bp.post("/units/<int:unit_id>/capacity/<int:entry_id>")
def update_capacity(unit_id: int, entry_id: int):
    unit = _unit_or_404(unit_id)
    entry = _entry_or_404(unit, entry_id)
    form = CapacityForm()
    if form.validate_on_submit():
        try:
            changed = organisation_service.update_capacity(
                unit, entry, form.places.data, form.from_date.data, form.until_date.data, by=current_user
            )
        except InputRefused as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            return _saved(
                _("Platserna är sparade.") if changed else _("Inget ändrades."),
                url_for("admin.unit", unit_id=unit_id, _anchor="capacity"),
            )
    unit = _unit_or_404(unit_id)
    return _entry_page(unit, _entry_or_404(unit, entry_id), form, status=422)


@bp.post("/units/<int:unit_id>/capacity/<int:entry_id>/remove")
def remove_capacity(unit_id: int, entry_id: int):
    unit = _unit_or_404(unit_id)
    organisation_service.remove_capacity(unit, _entry_or_404(unit, entry_id), by=current_user)
    return _saved(_("Raden är borttagen ur schemat."), url_for("admin.unit", unit_id=unit_id, _anchor="capacity"))
