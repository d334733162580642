"""Admin views: reports and periods — the list, create from a template, roll over, settings,
add a section to an open report, and move a block nobody has started on to another unit.

Every endpoint checks ``require_admin`` itself (the blueprint does too). Changes to a locked
report are refused before the view runs (webapp/locking.py) and again by the service.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from webapp.extensions import db
from webapp.forms.refusals import show_on_form
from webapp.forms.reports import (
    NewReportForm,
    ReassignForm,
    ReportSettingsForm,
    RolloverForm,
    SectionForm,
)
from webapp.models import Block, Report, ReportTemplate
from webapp.permissions import require_admin
from webapp.services import reports as report_queries
from webapp.services.reports import admin as report_admin
from webapp.views.admin.blueprint import bp


def _admin() -> None:
    require_admin(current_user)


def _period_args(form) -> dict:
    return {
        "title": form.title.data or "",
        "period_start": form.period_start.data,
        "period_end": form.period_end.data,
        "deadline": form.deadline.data,
    }


# --- the list ------------------------------------------------------------------------------------


@bp.get("/reports")
def reports():
    _admin()
    return render_template(
        "admin/reports/index.html",
        rows=report_admin.report_rows(),
        can_create=bool(report_admin.selectable_templates()),
    )


# --- create from a template ----------------------------------------------------------------------


@bp.route("/reports/new", methods=["GET", "POST"])
def new_report():
    _admin()
    templates = report_admin.selectable_templates()
    form = NewReportForm()
    form.report_template_id.choices = [SelectChoice(t.id, t.name) for t in templates]
    if request.method == "GET":
        defaults = report_admin.defaults_after(report_admin.latest_report())
        form.period_start.data, form.period_end.data = defaults.period_start, defaults.period_end
        form.deadline.data, form.title.data = defaults.deadline, defaults.title
        return render_template("admin/reports/new.html", form=form, templates=templates)
    if form.validate_on_submit():
        chosen = db.session.get(ReportTemplate, form.report_template_id.data) if form.report_template_id.data else None
        try:
            report = report_admin.create_from_template(chosen, user=current_user, **_period_args(form))
        except report_admin.ReportInputError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Rapporten ”%(title)s” är skapad med %(n)s bidrag i utkast.",
                    title=report.title,
                    n=len(report.blocks),
                ),
                "success",
            )
            return redirect(url_for("admin.report_settings", report_id=report.id))
    db.session.rollback()
    return render_template("admin/reports/new.html", form=form, templates=templates), 422


# --- roll over -----------------------------------------------------------------------------------


@bp.route("/reports/rollover", methods=["GET", "POST"])
def rollover_report():
    _admin()
    candidates = report_queries.list_reports()
    form = RolloverForm()
    form.previous_report_id.choices = [SelectChoice(r.id, r.title) for r in candidates]
    if request.method == "GET":
        previous = db.session.get(Report, request.args.get("from", type=int) or 0) or report_admin.latest_report()
        if previous is None:
            flash(_("Det finns ingen rapport att rulla över ännu. Skapa den första från en mall."), "info")
            return redirect(url_for("admin.new_report"))
        defaults = report_admin.defaults_after(previous)
        form.previous_report_id.data = previous.id
        form.period_start.data, form.period_end.data = defaults.period_start, defaults.period_end
        form.deadline.data, form.title.data = defaults.deadline, defaults.title
        return render_template("admin/reports/rollover.html", form=form, previous=previous)
    previous = db.session.get(Report, form.previous_report_id.data) if form.previous_report_id.data else None
    if form.validate_on_submit():
        try:
            report = report_admin.roll_over(previous, user=current_user, **_period_args(form))
        except report_admin.ReportInputError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Rapporten ”%(title)s” är skapad från ”%(previous)s”: %(n)s bidrag i utkast, "
                    "%(c)s verksamheters kapacitet att bekräfta.",
                    title=report.title,
                    previous=previous.title,
                    n=len(report.blocks),
                    c=sum(1 for c in report.capacities if c.needs_confirmation),
                ),
                "success",
            )
            return redirect(url_for("admin.report_settings", report_id=report.id))
    db.session.rollback()
    return render_template("admin/reports/rollover.html", form=form, previous=previous), 422


# --- settings and the blocks ---------------------------------------------------------------------


def _settings_page(report: Report, form: ReportSettingsForm, status: int = 200):
    grid = report_admin.block_grid(report.id)
    return render_template(
        "admin/reports/settings.html",
        report=report,
        form=form,
        grid=grid,
        capacities=report_admin.report_capacities(report.id),
        period_locked=report_admin.has_written_content(report.id),
        editable=not report.is_locked,
    ), status


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
def report_settings(report_id: int):
    _admin()
    report = db.get_or_404(Report, report_id)
    if request.method == "GET":
        form = ReportSettingsForm(obj=report)
        return _settings_page(report, form)
    form = ReportSettingsForm()
    if form.validate_on_submit():
        try:
            changes = report_admin.update_settings(report, user=current_user, **_period_args(form))
        except report_admin.ReportInputError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _("Inställningarna är sparade.") if changes else _("Inget ändrades."), "success" if changes else "info"
            )
            return redirect(url_for("admin.report_settings", report_id=report_id))
    db.session.rollback()
    return _settings_page(db.get_or_404(Report, report_id), form, 422)


# --- add a section -------------------------------------------------------------------------------


def _section_choices(form: SectionForm, report: Report) -> None:
    units = report_admin.active_units()
    form.placement.choices = [
        SelectChoice(
            f"{chapter.id}:{index}",
            _("Efter %(section)s", section=after) if after else _("Först i kapitlet"),
            optgroup=chapter.title,
        )
        for chapter, spots in report_admin.placements(report)
        for index, after in spots
    ]
    form.responsible_unit_id.choices = [SelectChoice(0, _("– ingen gemensam text –"))] + [
        SelectChoice(u.id, u.name) for u in units
    ]
    form.named_unit_ids.choices = [SelectChoice(u.id, u.name) for u in units]


@bp.route("/reports/<int:report_id>/sections/new", methods=["GET", "POST"])
def add_report_section(report_id: int):
    _admin()
    report = db.get_or_404(Report, report_id)
    report_admin.require_open(report)
    form = SectionForm()
    _section_choices(form, report)
    if request.method == "GET":
        last_chapter, spots = report_admin.placements(report)[-1]
        form.placement.data = f"{last_chapter.id}:{spots[-1][0]}"
        return render_template("admin/reports/add_section.html", report=report, form=form)
    if form.validate_on_submit():
        chapter_id, index = form.parsed_placement()
        new = report_admin.NewSection(
            title=form.title.data or "",
            guidance=form.guidance.data or "",
            chapter_id=chapter_id,
            index=index,
            joint=form.joint.data,
            responsible_unit_id=form.responsible_unit_id.data or None,
            unit_kinds=tuple(form.unit_kinds.data or ()),
            named_unit_ids=tuple(form.named_unit_ids.data or ()),
        )
        try:
            section, blocks = report_admin.add_section(report, new, current_user)
        except report_admin.ReportInputError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _("Avsnittet ”%(title)s” är tillagt med %(n)s bidrag i utkast.", title=section.title, n=len(blocks)),
                "success",
            )
            return redirect(url_for("admin.report_settings", report_id=report_id))
    db.session.rollback()
    report = db.get_or_404(Report, report_id)
    _section_choices(form, report)
    return render_template("admin/reports/add_section.html", report=report, form=form), 422


# --- move a block to another unit ----------------------------------------------------------------


@bp.route("/blocks/<int:block_id>/reassign", methods=["GET", "POST"])
def reassign_block(block_id: int):
    _admin()
    block = db.get_or_404(Block, block_id)
    report_admin.require_reassignable(block)
    form = ReassignForm()
    form.unit_id.choices = [SelectChoice(u.id, u.name) for u in report_admin.reassign_targets(block)]
    if request.method == "GET":
        return render_template("admin/reports/reassign.html", block=block, form=form)
    if form.validate_on_submit():
        previous_unit = block.unit.name
        try:
            report_admin.reassign_block(block, form.unit_id.data, current_user)
        except report_admin.ReportInputError as error:
            show_on_form(form, error)
        else:
            report_id = block.report_id
            flash(
                _(
                    "Bidraget i ”%(section)s” hör nu till %(unit)s i stället för %(previous)s.",
                    section=block.section.title,
                    unit=block.unit.name,
                    previous=previous_unit,
                ),
                "success",
            )
            db.session.commit()
            return redirect(url_for("admin.report_settings", report_id=report_id))
    db.session.rollback()
    block = db.get_or_404(Block, block_id)
    return render_template("admin/reports/reassign.html", block=block, form=form), 422
