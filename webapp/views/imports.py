"""Import into a statistics table: pasted cells, CSV or .xlsx; a preview first, then apply.

Both endpoints are htmx fragments posted from the panel under each grid (the panel sits inside
#block-form, so its buttons use hx-post with hx-include/hx-params instead of a nested form).
A preview saves nothing. Apply reads the same input again (the previewed text comes back in a
hidden field; a file is sent again and must have the digest the preview saw), refuses with 422
when anything blocks, and otherwise keeps the result as the writer's draft, like a grid edit,
answering with the whole #stat-tables section recomputed.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from webapp.extensions import db
from webapp.htmx import wants_fragment
from webapp.models import Block
from webapp.permissions import PermissionDenied, can_read_report, require_edit_block
from webapp.services import blocks as block_service
from webapp.services import reports
from webapp.services.blocks import importing, statistics
from webapp.statistics.formatting import format_number
from webapp.views.blocks import saved_block
from webapp.views.loading import or_404

bp = Blueprint("imports", __name__, url_prefix="/blocks")


def field_names(key: str) -> dict[str, str]:
    """Form field names of one table's import panel; unique per table, as every panel is in #block-form."""
    return {part: f"import-{key}-{part}" for part in ("text", "file", "kind", "previewed", "digest")}


def _load(block_id: int) -> Block:
    if not can_read_report(current_user):
        raise PermissionDenied(_("Du har inte behörighet att läsa rapporten."))
    block = or_404(reports.load_block_for_update(block_id))
    require_edit_block(current_user, block)  # another unit: 403; a locked report: 409
    return block


def _spec(block: Block, key: str):
    return or_404(importing.table_spec(block, key))


def _base(block: Block) -> tuple[str, dict]:
    """The writer's draft (text and tables) if they have one, else what the block holds."""
    content = block_service.editor_content(block, current_user)
    return content.source, content.tables


def _upload(name: str) -> importing.ImportInput | None:
    storage = request.files.get(name)
    if storage is None or not storage.filename:
        return None
    data = storage.stream.read(importing.MAX_FILE_BYTES + 1)
    return importing.ImportInput(filename=storage.filename, data=data)


def _fragment(key: str, status: int = 200, **context):
    context.setdefault("preview", None)
    context.setdefault("message", None)
    html = render_template(
        "blocks/_import_preview.html",
        key=key,
        names=field_names(key),
        block_id=(request.view_args or {}).get("block_id"),  # view_args is None only if no URL matched
        **context,
    )
    return html, status


@bp.post("/<int:block_id>/tables/<key>/import/preview")
def preview(block_id: int, key: str):
    block = _load(block_id)
    spec = _spec(block, key)
    names = field_names(key)
    source = _upload(names["file"]) or importing.ImportInput(text=request.form.get(names["text"], ""))
    _source_text, tables = _base(block)
    result = importing.preview_import(spec, tables, source)
    return _fragment(key, 200 if result.ok else 422, preview=result)


@bp.post("/<int:block_id>/tables/<key>/import/apply")
def apply(block_id: int, key: str):
    block = _load(block_id)
    spec = _spec(block, key)
    names = field_names(key)
    kind = request.form.get(names["kind"], "")
    if kind == "file" or (not kind and request.files.get(names["file"])):
        source = _upload(names["file"])
        if source is None:
            return _fragment(
                key,
                422,
                message=_("Filen finns inte längre med. Välj filen igen och förhandsgranska. Ingenting har ändrats."),
            )
    else:
        text = request.form.get(names["previewed"]) if kind == "text" else request.form.get(names["text"])
        source = importing.ImportInput(text=text or "")
    digest = request.form.get(names["digest"], "")
    if digest and digest != source.digest:
        return _fragment(
            key,
            422,
            message=_(
                "Underlaget har ändrats sedan förhandsgranskningen. Förhandsgranska igen. Ingenting har ändrats."
            ),
        )
    try:
        base_version = int(request.form.get("base_version", ""))
    except ValueError:
        return _fragment(key, 422, message=_("Versionsnummer saknas. Ladda om sidan. Ingenting har ändrats."))

    source_text, tables = _base(block)
    result = importing.preview_import(spec, tables, source)
    if not result.ok:
        return _fragment(key, 422, preview=result)
    new_tables = importing.applied_tables(tables, result)
    outcome = block_service.save_block(
        block,
        current_user,
        source_text,
        base_version=base_version,
        tables=new_tables,
        autosave=True,
        max_bytes=current_app.config["MAX_BLOCK_BYTES"],
        coalesce_seconds=current_app.config["AUTOSAVE_COALESCE_SECONDS"],
    )
    if outcome.kind == "conflict":
        return _fragment(
            key,
            409,
            message=_(
                "Någon annan har sparat bidraget sedan du öppnade sidan, så importen gjordes inte. "
                "Ladda om sidan och importera igen. Ingenting har ändrats."
            ),
        )
    db.session.commit()
    if not wants_fragment():
        return redirect(url_for("blocks.show", block_id=block_id))

    block = saved_block(block_id)
    previous = reports.previous_period_block(block)
    grids = tuple(statistics.build_grid(t) for t in statistics.block_tables(block, new_tables, previous))
    count = len(result.changes)
    done = (
        _("Importen är gjord: %(n)s celler ändrades. Kontrollera siffrorna nedan.", n=format_number(count))
        if count != 1
        else _("Importen är gjord: 1 cell ändrades. Kontrollera siffrorna nedan.")
    )
    tables_html = render_template(
        "blocks/_tables.html", block=block, grids=grids, import_done={"key": key, "message": done}
    )
    status_html = render_template(
        "blocks/_autosave_status.html", block=block, oob=True, status=outcome.kind, revision=outcome.revision
    )
    headers = {"HX-Retarget": "#stat-tables", "HX-Reswap": "outerHTML"}
    return tables_html + status_html, 200, headers


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{format_number(size / 1_000_000, 0 if size % 1_000_000 == 0 else 1)} MB"
    return f"{format_number(size / 1000, 0)} kB"


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """Werkzeug refuses the body before the view runs; say so where the preview would be."""
    files = _size(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    text = _size(current_app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000)
    key = (request.view_args or {}).get("key", "")
    message = _(
        "Det du skickade är för stort: en fil får vara högst %(files)s och inklistrad text "
        "högst %(text)s. Dela upp underlaget eller spara det som .xlsx. Ingenting har ändrats.",
        files=files,
        text=text,
    )
    return _fragment(key, 413, message=message)
