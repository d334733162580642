"""A block: reading it, writing it with live preview and autosave, its history."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.content import render_markdown
from webapp.extensions import db
from webapp.forms.blocks import BlockForm, PreviewForm, RestoreForm, TransitionForm
from webapp.htmx import wants_fragment
from webapp.models import Block, Revision
from webapp.permissions import PermissionDenied, can_edit_block, can_read_report, require_edit_block
from webapp.services import blocks as block_service
from webapp.services import reports, review
from webapp.services.blocks import presence, statistics
from webapp.services.blocks.revisions import line_diff
from webapp.services.reports.activity_log import block_activity
from webapp.services.review import comments
from webapp.services.review.changes import changes_since_review
from webapp.views.capacity import capacity_panel
from webapp.views.loading import or_404

bp = Blueprint("blocks", __name__, url_prefix="/blocks")

# The block page's "Händelser": its newest events (the report's activity page has them all).
BLOCK_EVENTS = 20


def _load_readable_block(block_id: int, *, for_update: bool = False) -> Block:
    if not can_read_report(current_user):
        raise PermissionDenied(_("Du har inte behörighet att läsa rapporten."))
    return or_404(reports.load_block_for_update(block_id) if for_update else reports.load_block(block_id))


def _load_editable_block(block_id: int) -> Block:
    """Only what a write needs is loaded; a refused write loads nothing more."""
    block = _load_readable_block(block_id, for_update=True)
    require_edit_block(current_user, block)
    return block


def _editor_context(
    block: Block, form: BlockForm | None = None, conflict: str | None = None, tables: dict | None = None
) -> dict:
    """The editor as the writer left it (her draft, else the block), or as she just posted it.

    Without ``form`` the editor is built from the block and her draft only, never from the
    request: after a save the request still holds the old base version.
    """
    state = block_service.editor_state(block, current_user if can_edit_block(current_user, block) else None)
    if conflict is None:
        conflict = state.conflict_source
    if form is None:
        form = BlockForm(formdata=None, source=state.source, base_version=state.base_version)
    if tables is None:
        tables = state.tables
    grids = _grids(block, tables)
    return {
        "block": block,
        "form": form,
        "can_edit": can_edit_block(current_user, block),
        "draft": state.draft,
        "conflict_source": conflict,
        "preview_html": _preview_html(block, form.source.data or ""),
        "grids": grids,
        "workflow": _workflow(block, grids, form.source.data, tables),
        "transition_form": TransitionForm(),
    }


def _preview_html(block: Block, source: str) -> str:
    """The editor's preview of ``source``: the current version's stored HTML when the editor
    shows that version (saving stored render_markdown of it), else rendered now."""
    current = block.current_revision
    if current is not None and source == current.source:
        return current.html
    return render_markdown(source)


# A section's guidance, rendered once per text (the template editor's change is a new text).
_guidance_html = lru_cache(maxsize=256)(render_markdown)


def _grids(block: Block, tables: dict) -> tuple:
    if not statistics.block_specs(block):
        return ()
    previous = _previous_period_block(block)
    return tuple(statistics.build_grid(t) for t in statistics.block_tables(block, tables, previous))


def _workflow(block: Block, grids: tuple, source: str | None, tables: dict) -> review.BlockWorkflow:
    """What the writer may do with the block as the editor shows it (draft included)."""
    problems = sum(len(g.table.errors) + len(g.table.unresolved_warnings) for g in grids)
    return review.block_workflow(current_user, block, problems, is_empty=review.is_empty_content(source, tables))


def _previous_period_block(block: Block) -> Block | None:
    """The block of the period before, looked up once per request: the grids and the page's
    "förra perioden" panel both need it (its tables only when the block has tables)."""
    found = g.setdefault("previous_period_blocks", {})
    if block.id not in found:
        found[block.id] = reports.previous_period_block(block, tables=bool(statistics.block_specs(block)))
    return found[block.id]


def _page_context(block: Block) -> dict:
    previous = _previous_period_block(block)
    return {
        "events": block_activity(block, limit=BLOCK_EVENTS),
        "history": reports.block_history(block),
        "previous_block": previous,
        "guidance_html": _guidance_html(block.section.guidance),
        "threads": comments.threads_for(block, current_user),
        "live": (live := presence.live_state(block, current_user)),
        "presence": live.editors,
        "changes_since_review": changes_since_review(block),
        "capacity_panel": capacity_panel(block),
    }


def posted_tables(block: Block) -> dict:
    """The posted grid cells applied to what the writer's editor started from (her draft, else
    the block); 422 with the reason when a field names no table, row or column of the block."""
    try:
        base = block_service.editor_content(block, current_user).tables
        return statistics.apply_table_fields(block, base, request.form)
    except statistics.TableInputError as error:
        abort(422, description=str(error))


def _save_options() -> dict:
    return {
        "max_bytes": current_app.config["MAX_BLOCK_BYTES"],
        "coalesce_seconds": current_app.config["AUTOSAVE_COALESCE_SECONDS"],
    }


@bp.get("/<int:block_id>")
def show(block_id: int):
    block = _load_readable_block(block_id)
    return render_template("blocks/page.html", **_editor_context(block), **_page_context(block))


@bp.post("/<int:block_id>/preview")
def preview(block_id: int):
    _load_editable_block(block_id)  # refused unless the user may write this block
    form = PreviewForm()
    if not form.validate_on_submit():
        return render_template("blocks/_preview.html", preview_html="", errors=form.errors), 422
    return render_template("blocks/_preview.html", preview_html=render_markdown(within_block_limit(form.source.data)))


def within_block_limit(source: str | None) -> str:
    """The posted text, refused (413, as a save refuses it) above the block limit: a request
    may carry 2 MB, and nothing larger than a block may hold is rendered for a preview."""
    source = source or ""
    limit = current_app.config["MAX_BLOCK_BYTES"]
    if len(source.replace("\r\n", "\n").encode("utf-8")) > limit:  # counted as the save counts
        raise block_service.ContentTooLarge(limit)
    return source


def form_errors(block: Block, form: BlockForm):
    within_block_limit(form.source.data)  # the editor it re-draws previews the posted text
    context = _editor_context(block, form=form, tables=posted_tables(block))
    if wants_fragment():
        return render_template("blocks/_editor.html", **context), 422
    return render_template("blocks/page.html", **context, **_page_context(block)), 422


def conflict_response(block: Block, form: BlockForm, outcome: block_service.SaveOutcome, tables: dict):
    # The writer keeps their text and figures; the form now starts from the version that won.
    form.base_version.data, form.base_version.raw_data = block.version, []
    context = _editor_context(block, form=form, conflict=outcome.current_source, tables=tables)
    if wants_fragment():
        # An autosave targets its status line; a conflict replaces the whole editor.
        headers = {"HX-Retarget": "#block-editor", "HX-Reswap": "outerHTML"}
        return render_template("blocks/_editor.html", **context), 409, headers
    return render_template("blocks/page.html", **context, **_page_context(block)), 409


def saved_block(block_id: int) -> Block:
    """After the commit: the block this request saved, with everything its page shows."""
    block = reports.load_block(block_id)
    assert block is not None  # it was loaded to be saved, and blocks are never deleted
    return block


@bp.post("/<int:block_id>/save")
def save(block_id: int):
    block = _load_editable_block(block_id)
    form = BlockForm()
    if not form.validate_on_submit():
        return form_errors(block, form)
    tables = posted_tables(block)
    outcome = block_service.save_block(
        block,
        current_user,
        form.source.data or "",
        base_version=form.base_version.data,
        tables=tables,
        note=(form.note.data or "").strip(),
        **_save_options(),
    )
    if outcome.kind == "conflict":
        return conflict_response(block, form, outcome, tables)
    db.session.commit()
    if not wants_fragment():
        return redirect(url_for("blocks.show", block_id=block_id))
    block = saved_block(block_id)
    if outcome.kind == "saved":
        assert outcome.revision is not None  # a save that changed something made this revision
        saved_message = _("Sparat som version %(n)s.", n=outcome.revision.number)
    else:
        saved_message = _("Inga ändringar att spara.")
    return render_template(
        "blocks/_saved.html", **_editor_context(block), **_page_context(block), saved_message=saved_message
    )


@bp.post("/<int:block_id>/autosave")
def autosave(block_id: int):
    block = _load_editable_block(block_id)
    form = BlockForm()
    if not form.validate_on_submit():
        return render_template("blocks/_autosave_status.html", status="invalid", block=block), 422
    tables = posted_tables(block)
    outcome = _keep_as_draft(block, form, tables)
    if outcome.kind == "conflict":
        return conflict_response(block, form, outcome, tables)
    db.session.commit()
    return render_template("blocks/_autosave_status.html", status=outcome.kind, block=block, revision=outcome.revision)


def _keep_as_draft(block: Block, form: BlockForm, tables: dict) -> block_service.SaveOutcome:
    """The posted editor becomes the writer's draft (or a revision once the coalescing window closed)."""
    return block_service.save_block(
        block,
        current_user,
        form.source.data or "",
        base_version=form.base_version.data,
        tables=tables,
        autosave=True,
        **_save_options(),
    )


@bp.post("/<int:block_id>/tables")
def tables(block_id: int):
    """A grid cell changed: keep the whole form as the writer's draft, answer with recomputed tables."""
    block = _load_editable_block(block_id)
    form = BlockForm()
    if not form.validate_on_submit():
        return render_template("blocks/_autosave_status.html", status="invalid", block=block), 422
    before = block_service.editor_content(block, current_user).tables
    posted = posted_tables(block)
    outcome = _keep_as_draft(block, form, posted)
    if outcome.kind == "conflict":
        return conflict_response(block, form, outcome, posted)
    db.session.commit()
    block = saved_block(block_id)
    grids = _grids(block, posted)
    edited_id = request.headers.get("HX-Trigger", "")
    return render_template(
        "blocks/_tables_saved.html",
        block=block,
        grids=grids,
        workflow=_workflow(block, grids, form.source.data, posted),
        status=outcome.kind,
        revision=outcome.revision,
        edited_id=edited_id,
        # A justification changes no issue; redrawing the panel would only
        # replace the field the writer may be typing in next.
        redraw_issues=not edited_id.startswith(statistics.JUSTIFICATION_ID_PREFIX),
        whole_tables=statistics.reshaped_tables(block, before, posted),
    )


@bp.get("/<int:block_id>/history")
def history(block_id: int):
    """The block's versions below ``before``, a page at a time: the rows to append in place
    for htmx ("Visa alla versioner"), else a page of its own (no JavaScript)."""
    block = _load_readable_block(block_id)
    before = request.args.get("before", type=int)
    page = reports.block_history(block, before=before, limit=reports.HISTORY_MORE_SIZE)
    if wants_fragment():
        return render_template("blocks/_history_more.html", block=block, history=page)
    return render_template("blocks/history.html", block=block, history=page)


def _load_revision(block: Block, number: int) -> Revision:
    return or_404(reports.load_revision(block, number))


@bp.get("/<int:block_id>/revisions/<int:number>")
def revision(block_id: int, number: int):
    block = _load_readable_block(block_id)
    current = _load_revision(block, number)
    before = reports.preceding_revision(block, number)
    return render_template(
        "blocks/revision.html",
        block=block,
        revision=current,
        previous=before,
        diff=line_diff(before.source if before else "", current.source),
        table_changes=statistics.table_changes(block, before.tables if before else {}, current.tables or {}),
        can_edit=can_edit_block(current_user, block),
        restore_form=RestoreForm(base_version=block.version),
    )


@bp.post("/<int:block_id>/revisions/<int:number>/restore")
def restore(block_id: int, number: int):
    block = _load_editable_block(block_id)
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(422)
    outcome = block_service.restore_revision(
        block, current_user, _load_revision(block, number), base_version=form.base_version.data
    )
    if outcome.kind == "conflict":
        return render_template(
            "errors/error.html",
            status=409,
            title=_("Bidraget har ändrats"),
            message=_("Någon annan har sparat bidraget sedan du öppnade sidan. Ladda om och försök igen."),
        ), 409
    db.session.commit()
    return redirect(url_for("blocks.show", block_id=block_id))
