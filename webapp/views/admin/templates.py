"""Admin views: report templates — the list, the editor of a template's tree, JSON export and import.

Plain forms that redirect back (PRG) to where the person was; a form with errors is shown
again with its errors and HTTP 422, nothing saved. Only editable templates are reachable:
the id of a snapshot (a report's own structure) gives 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from webapp import input_guard
from webapp.content import render_markdown
from webapp.extensions import db
from webapp.forms.admin_templates import (
    ChapterForm,
    ConfirmForm,
    GuidancePreviewForm,
    MoveForm,
    MoveToChapterForm,
    RetireForm,
    SectionForm,
    TableAddForm,
    TableEditForm,
    TemplateCopyForm,
    TemplateCreateForm,
    TemplateDetailsForm,
    TemplateImportForm,
)
from webapp.forms.refusals import show_on_form
from webapp.i18n import N_
from webapp.input_errors import InputRefused
from webapp.labels import TABLE_KIND_LABELS, UNIT_KIND_PLURAL_LABELS
from webapp.models import ReportTemplate, TemplateChapter, TemplateSection
from webapp.permissions import require_admin
from webapp.services.report_templates import admin as template_admin
from webapp.services.report_templates import json_files as template_json
from webapp.services.report_templates import tables as template_tables
from webapp.services.report_templates.admin import Contribution
from webapp.services.report_templates.rules import TemplateInputError
from webapp.views.admin.blueprint import bp
from webapp.views.loading import or_404

# --- loading what a URL names (404 for what is not an editable template's) ---------------------


def _template(template_id: int) -> ReportTemplate:
    require_admin(current_user)
    return or_404(template_admin.load_template(template_id))


def _chapter(template: ReportTemplate, chapter_id: int) -> TemplateChapter:
    return or_404(template_admin.find_chapter(template, chapter_id))


def _section(template: ReportTemplate, section_id: int) -> TemplateSection:
    return or_404(template_admin.find_section(template, section_id))


def _table(section: TemplateSection, table_key: str) -> dict:
    return or_404(template_admin.find_table(section, table_key))


@contextmanager
def _new_template_savepoint() -> Iterator[None]:
    """Around a service that checks a new template's key and inserts it.

    PostgreSQL: another admin may insert the same key between the check and the insert; the
    unique constraint then refuses ours and only this savepoint rolls back. SQLite has one
    writer at a time: the write transaction is opened first (BEGIN IMMEDIATE, as the first
    flush would), so the check already sees the other admin's key.
    """
    connection = db.session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    with db.session.begin_nested():
        yield


def _refusal(error: Exception) -> Exception:
    """A new template's key taken by another admin between the check and the insert (the
    unique constraint said so) is shown on the key field like any other taken key."""
    if isinstance(error, IntegrityError):
        return InputRefused(N_("Någon annan skapade just en mall med samma nyckel. Välj en annan nyckel."), "key")
    return error


def _checked(form) -> None:
    """Buttons without input of their own: a malformed post is a bad request."""
    if not form.validate_on_submit():
        abort(400)


def _saved(message: str | None, url: str):
    db.session.commit()
    if message:
        flash(message, "success")
    return redirect(url)


def _unchanged(url: str):
    db.session.rollback()
    flash(_("Inget ändrades."), "info")
    return redirect(url)


def _editor_url(template: ReportTemplate, anchor: str | None = None) -> str:
    return url_for("admin.template_edit", template_id=template.id, _anchor=anchor)


def _section_url(template: ReportTemplate, section: TemplateSection, anchor: str | None = None) -> str:
    return url_for("admin.template_section_edit", template_id=template.id, section_id=section.id, _anchor=anchor)


# --- the list ----------------------------------------------------------------------------------


def _list_page(status: int = 200, create_form=None, import_form=None, import_error: str | None = None):
    if status != 200:
        db.session.rollback()
    return render_template(
        "admin/templates/list.html",
        rows=template_admin.list_templates(),
        create_form=create_form or TemplateCreateForm(formdata=None),
        import_form=import_form or TemplateImportForm(formdata=None, prefix="import"),
        import_error=import_error,
    ), status


@bp.get("/templates")
def templates():
    require_admin(current_user)
    return _list_page()


@bp.post("/templates")
def template_create():
    require_admin(current_user)
    form = TemplateCreateForm()
    if not form.validate_on_submit():
        return _list_page(422, create_form=form)
    try:
        with _new_template_savepoint():
            template = template_admin.create_template(
                key=form.key.data or None,
                name=form.name.data,
                description=form.description.data or "",
                user=current_user,
            )
    except (TemplateInputError, IntegrityError) as error:
        show_on_form(form, _refusal(error))
        return _list_page(422, create_form=form)
    return _saved(_("Mallen skapades. Lägg till kapitel och avsnitt."), _editor_url(template))


@bp.post("/templates/import")
def template_import():
    require_admin(current_user)
    form = TemplateImportForm(prefix="import")
    if not form.validate_on_submit():
        return _list_page(422, import_form=form)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Välj en mallfil att importera.")]
        return _list_page(422, import_form=form)
    content = upload.read(template_json.MAX_FILE_BYTES + 1)
    try:
        document = template_json.parse_template_file(content, template_admin.all_unit_keys())
        # JSON's \u0000 escapes get past the request guard inside the file: PostgreSQL cannot store them.
        character = input_guard.first_forbidden(input_guard.json_strings(template_json.document_dict(document)))
        if character is not None:
            return _list_page(422, import_form=form, import_error=input_guard.message(character))
        with _new_template_savepoint():
            template = template_admin.import_template(document, key=form.key.data or None, user=current_user)
    except template_json.TemplateFileRefused as error:
        return _list_page(422, import_form=form, import_error=error.message)
    except (TemplateInputError, IntegrityError) as error:
        show_on_form(form, _refusal(error))
        return _list_page(422, import_form=form)
    return _saved(_("Mallen %(name)s importerades.", name=template.name), _editor_url(template))


# --- one template ------------------------------------------------------------------------------


def _section_data(section: TemplateSection) -> dict:
    return {
        "title": section.title,
        "guidance": section.guidance,
        "joint": section.joint,
        "responsible_unit": section.responsible_unit_id or 0,
        "unit_kinds": list(section.unit_kinds or ()),
        "named_units": [unit.id for unit in section.named_units],
    }


def _editor_page(
    template: ReportTemplate,
    status: int = 200,
    *,
    details_form=None,
    copy_form=None,
    new_chapter_form=None,
    chapter_form: tuple[int, ChapterForm] | None = None,
    open_id: str | None = None,
):
    """The editor; a form given here (with its errors) replaces the blank one of the same place.

    After a refused post the session is rolled back and the template read again, so the page
    shows what is saved, with the refused form as the person filled it in.
    """
    if status != 200:
        db.session.rollback()
        template = _template(template.id)
    chapter_forms = {
        chapter.id: ChapterForm(
            formdata=None, prefix=f"chapter-{chapter.id}", data={"title": chapter.title, "guidance": chapter.guidance}
        )
        for chapter in template.chapters
    }
    if chapter_form is not None:
        chapter_forms[chapter_form[0]] = chapter_form[1]
    return render_template(
        "admin/templates/edit.html",
        template=template,
        report_count=template_admin.report_count(template),
        details_form=details_form
        or TemplateDetailsForm(formdata=None, data={"name": template.name, "description": template.description}),
        copy_form=copy_form
        or TemplateCopyForm(formdata=None, prefix="copy", data={"name": _("Kopia av %(name)s", name=template.name)}),
        new_chapter_form=new_chapter_form or ChapterForm(formdata=None, prefix="new-chapter"),
        chapter_forms=chapter_forms,
        open_id=open_id,
        unit_kind_labels=UNIT_KIND_PLURAL_LABELS,
    ), status


@bp.get("/templates/<int:template_id>")
def template_edit(template_id: int):
    return _editor_page(_template(template_id))


@bp.post("/templates/<int:template_id>")
def template_update(template_id: int):
    template = _template(template_id)
    form = TemplateDetailsForm()
    if not form.validate_on_submit():
        return _editor_page(template, 422, details_form=form, open_id="details")
    if not template_admin.update_details(
        template, name=form.name.data, description=form.description.data or "", user=current_user
    ):
        return _unchanged(_editor_url(template))
    return _saved(_("Mallens namn och beskrivning sparades."), _editor_url(template))


@bp.post("/templates/<int:template_id>/copy")
def template_copy(template_id: int):
    template = _template(template_id)
    form = TemplateCopyForm(prefix="copy")
    if not form.validate_on_submit():
        return _editor_page(template, 422, copy_form=form, open_id="copy")
    try:
        with _new_template_savepoint():
            copy = template_admin.copy_template(
                template, key=form.key.data or None, name=form.name.data, user=current_user
            )
    except (TemplateInputError, IntegrityError) as error:
        show_on_form(form, _refusal(error))
        return _editor_page(template, 422, copy_form=form, open_id="copy")
    return _saved(_("Mallen kopierades. Du redigerar nu kopian."), _editor_url(copy))


@bp.post("/templates/<int:template_id>/retire")
def template_retire(template_id: int):
    template = _template(template_id)
    form = RetireForm()
    _checked(form)
    retired = form.retired.data == "1"
    if not template_admin.set_retired(template, retired, current_user):
        return _unchanged(_editor_url(template))
    message = _("Mallen är pensionerad: inga nya rapporter skapas från den.") if retired else _("Mallen används igen.")
    return _saved(message, _editor_url(template))


@bp.get("/templates/<int:template_id>/export")
def template_export(template_id: int):
    template = _template(template_id)
    content = template_json.dump_document(template_json.document_of(template))
    response = Response(content, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{template_json.export_file_name(template)}"'
    return response


@bp.post("/templates/guidance-preview")
def template_guidance_preview():
    require_admin(current_user)
    form = GuidancePreviewForm()
    if not form.validate_on_submit():
        return render_template(
            "admin/templates/_guidance_preview.html", preview_html="", preview_error=_("Texten är för lång.")
        ), 422
    return render_template(
        "admin/templates/_guidance_preview.html", preview_html=render_markdown(form.guidance.data or "")
    )


# --- chapters ----------------------------------------------------------------------------------


@bp.post("/templates/<int:template_id>/chapters")
def template_chapter_add(template_id: int):
    template = _template(template_id)
    form = ChapterForm(prefix="new-chapter")
    if not form.validate_on_submit():
        return _editor_page(template, 422, new_chapter_form=form, open_id="new-chapter")
    chapter = template_admin.add_chapter(
        template, title=form.title.data, guidance=form.guidance.data or "", user=current_user
    )
    return _saved(_("Kapitlet lades till."), _editor_url(template, f"chapter-{chapter.id}"))


@bp.post("/templates/<int:template_id>/chapters/<int:chapter_id>")
def template_chapter_update(template_id: int, chapter_id: int):
    template = _template(template_id)
    chapter = _chapter(template, chapter_id)
    form = ChapterForm(prefix=f"chapter-{chapter.id}")
    if not form.validate_on_submit():
        return _editor_page(template, 422, chapter_form=(chapter.id, form), open_id=f"chapter-{chapter.id}-edit")
    if not template_admin.update_chapter(
        template, chapter, title=form.title.data, guidance=form.guidance.data or "", user=current_user
    ):
        return _unchanged(_editor_url(template, f"chapter-{chapter.id}"))
    return _saved(_("Kapitlet sparades."), _editor_url(template, f"chapter-{chapter.id}"))


@bp.post("/templates/<int:template_id>/chapters/<int:chapter_id>/move")
def template_chapter_move(template_id: int, chapter_id: int):
    template = _template(template_id)
    chapter = _chapter(template, chapter_id)
    form = MoveForm()
    _checked(form)
    if not template_admin.move_chapter(template, chapter, form.direction.data, current_user):
        return _unchanged(_editor_url(template, f"chapter-{chapter.id}"))
    return _saved(_("Kapitlet flyttades."), _editor_url(template, f"chapter-{chapter.id}"))


@bp.post("/templates/<int:template_id>/chapters/<int:chapter_id>/remove")
def template_chapter_remove(template_id: int, chapter_id: int):
    template = _template(template_id)
    chapter = _chapter(template, chapter_id)
    _checked(ConfirmForm())
    template_admin.remove_chapter(template, chapter, current_user)
    return _saved(_("Kapitlet togs bort."), _editor_url(template))


# --- sections ----------------------------------------------------------------------------------


def _contribution(form: SectionForm) -> Contribution:
    responsible_id = form.responsible_unit.data or 0
    units = template_admin.units_by_id([*form.named_units.data, *([responsible_id] if responsible_id else [])])
    return Contribution(
        joint=bool(form.joint.data),
        responsible_unit=units.get(responsible_id) if form.joint.data and responsible_id else None,
        unit_kinds=tuple(form.unit_kinds.data or ()),
        units=tuple(units[unit_id] for unit_id in form.named_units.data or ()),
    )


def _section_form(section: TemplateSection | None) -> SectionForm:
    """The section form, bound to the request on a POST and to the section on a GET."""
    current = (
        []
        if section is None
        else [*section.named_units, *([section.responsible_unit] if section.responsible_unit else [])]
    )
    if request.method == "POST":
        form = SectionForm()
    else:
        form = SectionForm(formdata=None, data=_section_data(section) if section else {})
    form.set_units(template_admin.unit_choices(current))
    return form


def _move_to_chapter_form(template: ReportTemplate, section: TemplateSection | None, bound: bool = False):
    if section is None:
        return None
    form = (
        MoveToChapterForm(prefix="move")
        if bound
        else MoveToChapterForm(formdata=None, prefix="move", data={"chapter_id": section.chapter_id})
    )
    form.chapter_id.choices = [SelectChoice(chapter.id, chapter.title) for chapter in template.chapters]
    return form


def _section_page(
    template: ReportTemplate,
    chapter: TemplateChapter,
    section: TemplateSection | None,
    form: SectionForm,
    status: int = 200,
    table_form=None,
    move_form=None,
):
    if status != 200:
        db.session.rollback()
        template = _template(template.id)
        chapter = _chapter(template, chapter.id)
        section = _section(template, section.id) if section is not None else None
    return render_template(
        "admin/templates/section.html",
        template=template,
        chapter=chapter,
        section=section,
        form=form,
        guidance_html=render_markdown(section.guidance) if section else "",
        move_form=move_form or _move_to_chapter_form(template, section),
        table_form=table_form or TableAddForm(formdata=None, prefix="table"),
        table_kind_labels=TABLE_KIND_LABELS,
    ), status


@bp.get("/templates/<int:template_id>/chapters/<int:chapter_id>/sections/new")
def template_section_new(template_id: int, chapter_id: int):
    template = _template(template_id)
    chapter = _chapter(template, chapter_id)
    return _section_page(template, chapter, None, _section_form(None))


@bp.post("/templates/<int:template_id>/chapters/<int:chapter_id>/sections")
def template_section_add(template_id: int, chapter_id: int):
    template = _template(template_id)
    chapter = _chapter(template, chapter_id)
    form = _section_form(None)
    if not form.validate_on_submit():
        return _section_page(template, chapter, None, form, 422)
    try:
        section = template_admin.add_section(
            template,
            chapter,
            title=form.title.data,
            guidance=form.guidance.data or "",
            contribution=_contribution(form),
            user=current_user,
        )
    except TemplateInputError as error:
        show_on_form(form, error)
        return _section_page(template, chapter, None, form, 422)
    return _saved(
        _("Avsnittet %(title)s lades till.", title=section.title), _editor_url(template, f"section-{section.id}")
    )


@bp.get("/templates/<int:template_id>/sections/<int:section_id>")
def template_section_edit(template_id: int, section_id: int):
    template = _template(template_id)
    section = _section(template, section_id)
    return _section_page(template, section.chapter, section, _section_form(section))


@bp.post("/templates/<int:template_id>/sections/<int:section_id>")
def template_section_update(template_id: int, section_id: int):
    template = _template(template_id)
    section = _section(template, section_id)
    form = _section_form(section)
    if not form.validate_on_submit():
        return _section_page(template, section.chapter, section, form, 422)
    try:
        changed = template_admin.update_section(
            template,
            section,
            title=form.title.data,
            guidance=form.guidance.data or "",
            contribution=_contribution(form),
            user=current_user,
        )
    except TemplateInputError as error:
        show_on_form(form, error)
        return _section_page(template, section.chapter, section, form, 422)
    if not changed:
        return _unchanged(_section_url(template, section))
    return _saved(_("Avsnittet sparades."), _section_url(template, section))


@bp.post("/templates/<int:template_id>/sections/<int:section_id>/move")
def template_section_move(template_id: int, section_id: int):
    template = _template(template_id)
    section = _section(template, section_id)
    form = MoveForm()
    _checked(form)
    if not template_admin.move_section(template, section, form.direction.data, current_user):
        return _unchanged(_editor_url(template, f"section-{section.id}"))
    return _saved(_("Avsnittet flyttades."), _editor_url(template, f"section-{section.id}"))


@bp.post("/templates/<int:template_id>/sections/<int:section_id>/chapter")
def template_section_to_chapter(template_id: int, section_id: int):
    template = _template(template_id)
    section = _section(template, section_id)
    form = _move_to_chapter_form(template, section, bound=True)
    if not form.validate_on_submit():
        return _section_page(template, section.chapter, section, _section_form_for_page(section), 422, move_form=form)
    target = _chapter(template, form.chapter_id.data)
    if not template_admin.move_section_to_chapter(template, section, target, current_user):
        return _unchanged(_editor_url(template, f"section-{section.id}"))
    return _saved(
        _("Avsnittet flyttades till kapitlet %(title)s.", title=target.title),
        _editor_url(template, f"section-{section.id}"),
    )


@bp.post("/templates/<int:template_id>/sections/<int:section_id>/remove")
def template_section_remove(template_id: int, section_id: int):
    template = _template(template_id)
    section = _section(template, section_id)
    _checked(ConfirmForm())
    chapter_id = section.chapter_id
    template_admin.remove_section(template, section, current_user)
    return _saved(_("Avsnittet togs bort."), _editor_url(template, f"chapter-{chapter_id}"))


# --- statistics tables -------------------------------------------------------------------------


@bp.post("/templates/<int:template_id>/sections/<int:section_id>/tables")
def template_table_add(template_id: int, section_id: int):
    template = _template(template_id)
    section = _section(template, section_id)
    form = TableAddForm(prefix="table")
    if not form.validate_on_submit():
        return _section_page(template, section.chapter, section, _section_form_for_page(section), 422, table_form=form)
    try:
        taken = {key for table in section.table_specs or () if isinstance(key := table.get("key"), str)}
        entry = template_tables.new_entry(form.kind.data, form.title.data, form.key.data or None, taken)
        template_admin.add_table(template, section, entry, current_user)
    except TemplateInputError as error:
        show_on_form(form, error)
        return _section_page(template, section.chapter, section, _section_form_for_page(section), 422, table_form=form)
    return _saved(
        _("Tabellen lades till. Ställ in den här."),
        url_for("admin.template_table_edit", template_id=template.id, section_id=section.id, table_key=entry["key"]),
    )


def _section_form_for_page(section: TemplateSection) -> SectionForm:
    """The section's own form, as saved, beside another form that failed."""
    form = SectionForm(formdata=None, data=_section_data(section))
    form.set_units(
        template_admin.unit_choices(
            [*section.named_units] + ([section.responsible_unit] if section.responsible_unit else [])
        )
    )
    return form


def _table_page(
    template: ReportTemplate, section: TemplateSection, table: dict, form: TableEditForm, status: int = 200
):
    if status != 200:
        db.session.rollback()
        template = _template(template.id)
        section = _section(template, section.id)
        table = _table(section, table["key"])
    kind = str(table.get("kind", ""))
    return render_template(
        "admin/templates/table.html",
        template=template,
        section=section,
        table=table,
        form=form,
        kind_label=TABLE_KIND_LABELS.get(kind, kind),
        shown_fields=template_tables.KIND_FORM_FIELDS.get(kind, ()),
        spec=template_tables.preview_spec(table),
    ), status


@bp.get("/templates/<int:template_id>/sections/<int:section_id>/tables/<table_key>")
def template_table_edit(template_id: int, section_id: int, table_key: str):
    template = _template(template_id)
    section = _section(template, section_id)
    table = _table(section, table_key)
    values = template_tables.form_values(table)
    form = TableEditForm(formdata=None, data=values.__dict__)
    return _table_page(template, section, table, form)


@bp.post("/templates/<int:template_id>/sections/<int:section_id>/tables/<table_key>")
def template_table_update(template_id: int, section_id: int, table_key: str):
    template = _template(template_id)
    section = _section(template, section_id)
    table = _table(section, table_key)
    form = TableEditForm()
    if not form.validate_on_submit():
        return _table_page(template, section, table, form, 422)
    values = template_tables.TableFormValues(
        title=form.title.data,
        months_as=form.months_as.data or "columns",
        categories=form.categories.data or "",
        measures=form.measures.data or "",
        extra_columns=form.extra_columns.data or "",
        figures=form.figures.data or "",
        columns=form.columns.data or "",
        value_type=form.value_type.data or "integer",
        totals=bool(form.totals.data),
        options=form.options.data or "",
        ratios=form.ratios.data or "",
        period_figures=form.period_figures.data or "",
    )
    try:
        entry = template_tables.entry_from_form(table_key, table["kind"], values)
        changed = template_admin.update_table(template, section, table_key, entry, current_user)
    except TemplateInputError as error:
        show_on_form(form, error)
        return _table_page(template, section, table, form, 422)
    url = url_for("admin.template_table_edit", template_id=template.id, section_id=section.id, table_key=table_key)
    if not changed:
        return _unchanged(url)
    return _saved(_("Tabellen sparades."), url)


@bp.post("/templates/<int:template_id>/sections/<int:section_id>/tables/<table_key>/move")
def template_table_move(template_id: int, section_id: int, table_key: str):
    template = _template(template_id)
    section = _section(template, section_id)
    _table(section, table_key)
    form = MoveForm()
    _checked(form)
    if not template_admin.move_table(template, section, table_key, form.direction.data, current_user):
        return _unchanged(_section_url(template, section, "tables"))
    return _saved(_("Tabellen flyttades."), _section_url(template, section, "tables"))


@bp.post("/templates/<int:template_id>/sections/<int:section_id>/tables/<table_key>/remove")
def template_table_remove(template_id: int, section_id: int, table_key: str):
    template = _template(template_id)
    section = _section(template, section_id)
    _table(section, table_key)
    _checked(ConfirmForm())
    template_admin.remove_table(template, section, table_key, current_user)
    return _saved(_("Tabellen togs bort."), _section_url(template, section, "tables"))
