"""A night unit's capacity for a report, confirmed (or corrected) from one of its block pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.forms.refusals import show_on_form
from webapp.forms.reports import CapacityForm
from webapp.htmx import wants_fragment
from webapp.models import Block, ReportCapacity, User
from webapp.permissions import PermissionDenied, can_read_report
from webapp.services import reports
from webapp.services.reports import capacity as capacity_service
from webapp.views.loading import or_404

bp = Blueprint("capacity", __name__, url_prefix="/blocks")


@dataclass(frozen=True)
class CapacityPanel:
    capacity: ReportCapacity
    block: Block
    form: CapacityForm | None  # None: the person may only read it
    confirmed_by: str = ""
    message: str = ""


def _panel(capacity: ReportCapacity, block: Block, form: CapacityForm | None, message: str = "") -> CapacityPanel:
    user = db.session.get(User, capacity.confirmed_by_id) if capacity.confirmed_by_id else None
    return CapacityPanel(capacity, block, form, user.name if user is not None else "", message)


def _form_for(capacity: ReportCapacity) -> CapacityForm:
    """The capacity as an editable form, with one blank row for an extra entry."""
    rows = [
        {"places": entry.places, "from_date": entry.from_date, "until_date": entry.until_date}
        for entry in capacity.schedule
    ]
    # formdata=None: the block page is also rendered after other posts, whose fields are not ours.
    return CapacityForm(formdata=None, data={"entries": [*rows, {}]})


def capacity_panel(block: Block) -> CapacityPanel | None:
    """What the block page shows about the unit's capacity (None for blocks without one)."""
    capacity = capacity_service.capacity_for_block(block)
    if capacity is None:
        return None
    may_confirm = capacity_service.may_confirm(current_user, block)
    return _panel(capacity, block, _form_for(capacity) if may_confirm else None)


def _respond(panel: CapacityPanel, status: int):
    if wants_fragment():
        return render_template("blocks/_capacity.html", capacity_panel=panel), status
    return render_template("blocks/capacity.html", capacity_panel=panel, block=panel.block), status


@bp.post("/<int:block_id>/capacity")
def confirm(block_id: int):
    if not can_read_report(current_user):
        raise PermissionDenied(_("Du har inte behörighet att läsa rapporten."))
    block = or_404(reports.load_block(block_id))
    capacity = or_404(capacity_service.capacity_for_block(block))
    capacity_service.require_confirmer(current_user, block)
    form = CapacityForm()
    if form.validate_on_submit():
        rows = [
            capacity_service.EntryInput(entry.places.data, entry.from_date.data, entry.until_date.data)
            for entry in form.entries
        ]
        try:
            corrected = capacity_service.confirm_capacity(capacity, block, current_user, rows)
        except capacity_service.CapacityInputError as error:
            show_on_form(form, error, rows=form.entries)
        else:
            db.session.commit()
            message = (
                _("Kapaciteten är rättad och bekräftad. Tabellerna räknas om när sidan laddas om.")
                if corrected
                else _("Kapaciteten är bekräftad.")
            )
            if not wants_fragment():
                flash(message, "success")
                return redirect(url_for("blocks.show", block_id=block_id, _anchor="capacity"))
            return _respond(_panel(capacity, block, _form_for(capacity), message), 200)
    db.session.rollback()
    # As saved, loaded as at the start (the rollback dropped what confirm_capacity changed).
    block = or_404(reports.load_block(block_id))
    return _respond(_panel(or_404(capacity_service.capacity_for_block(block)), block, form), 422)
