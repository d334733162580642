"""Comment threads on a block: the threads fragment and every comment action.

htmx posts get the threads section back (the same `_threads.html` the block page includes);
plain form posts redirect back to the block page (PRG).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.forms.blocks import CommentForm
from webapp.htmx import wants_fragment
from webapp.models import Block, Comment
from webapp.permissions import PermissionDenied, StateForbids, can_read_report
from webapp.services import reports
from webapp.services.review import comments as comment_service
from webapp.views.loading import or_404

bp = Blueprint("comments", __name__)


def _require_reader() -> None:
    if not can_read_report(current_user):
        raise PermissionDenied(_("Logga in för att läsa och skriva kommentarer."))


def _load_block(block_id: int) -> Block:
    _require_reader()
    return or_404(reports.load_block_for_update(block_id))


def _load_comment(comment_id: int) -> tuple[Comment, Block]:
    _require_reader()
    comment = or_404(comment_service.load_comment(comment_id))
    block = or_404(reports.load_block_for_update(comment.block_id))
    return comment, block


def _threads_response(block_id: int, status: int = 200, **extra):
    block = or_404(reports.load_block(block_id))
    threads = comment_service.threads_for(block, current_user)
    return render_template("comments/_threads.html", block=block, threads=threads, **extra), status


def _done(block_id: int, anchor: str = "comments", focus: str = "comments-heading"):
    """``focus``: the id of the element that takes the focus in the new threads (the new or changed
    comment), so that after the swap the person is where their action left them, not on <body>."""
    db.session.commit()
    if wants_fragment():
        return _threads_response(block_id, focus_id=focus)
    return redirect(url_for("blocks.show", block_id=block_id, _anchor=anchor))


# The field that holds what the person wrote, by the form that was refused (see _refused).
_FIELD_OF_TARGET = {"new": "comment-body", "thread": "reply-", "comment": "edit-body-"}


def _refused(block_id: int, status: int, message: str, target: str, values: dict | None = None):
    """Nothing was saved: show why, next to the form, with what the person wrote kept and focused."""
    db.session.rollback()
    kind, _dash, number = target.partition("-")
    extra = {
        "comment_error": message,
        "comment_error_target": target,
        "comment_values": values or {},
        "focus_id": _FIELD_OF_TARGET.get(kind, "comment-body") + number,
    }
    if wants_fragment():
        return _threads_response(block_id, status, **extra)
    from webapp.views.blocks import _editor_context, _page_context

    block = or_404(reports.load_block(block_id))
    return render_template("blocks/page.html", **_editor_context(block), **_page_context(block), **extra), status


def _form() -> CommentForm:
    form = CommentForm()
    if not form.validate_on_submit():
        # Only the CSRF token is validated here; length and emptiness are the service's rules.
        if "csrf_token" in form.errors:
            abort(400)
    return form


def _act(block_id: int, target: str, values: dict, action, focus: str | None = None):
    """Run ``action``; the comment it returns (a new thread or reply) takes the focus, else ``focus``."""
    try:
        made = action()
    except comment_service.CommentInputError as error:
        return _refused(block_id, 422, str(error), target, values)  # its message (InputRefused's str)
    except StateForbids as error:
        return _refused(block_id, 409, error.message, target, values)
    if isinstance(made, Comment):
        focus = f"comment-{made.id}"
    return _done(block_id, anchor=target if target != "new" else "comments", focus=focus or "comments-heading")


@bp.get("/blocks/<int:block_id>/comments")
def threads(block_id: int):
    _require_reader()
    return _threads_response(block_id)


@bp.post("/blocks/<int:block_id>/comments")
def create(block_id: int):
    block = _load_block(block_id)
    form = _form()
    values = {"body": form.body.data or "", "quote": form.quote.data or "", "cell": request.form.get("cell", "")}
    anchor = _anchor(form)
    return _act(
        block_id,
        "new",
        values,
        lambda: comment_service.start_thread(
            block,
            current_user,
            form.body.data,
            quote=form.quote.data,
            table_key=anchor[0],
            row_key=anchor[1],
            column_key=anchor[2],
        ),
    )


def _anchor(form: CommentForm) -> tuple[str | None, str | None, str | None]:
    """The table cell a new thread is about: the page's cell picker ("table|row|column"), else the form's fields."""
    cell = request.form.get("cell")
    if cell:
        table_key, row_key, column_key = (cell.split("|") + ["", "", ""])[:3]
        return table_key, row_key, column_key
    return form.table_key.data, form.row_key.data, form.column_key.data


def _thread(comment_id: int) -> tuple[Comment, Block]:
    comment, block = _load_comment(comment_id)
    if not comment.is_thread:
        abort(404)
    return comment, block


@bp.post("/comments/<int:comment_id>/replies")
def reply(comment_id: int):
    thread, block = _thread(comment_id)
    form = _form()
    return _act(
        block.id,
        f"thread-{thread.id}",
        {"body": form.body.data or ""},
        lambda: comment_service.reply(thread, block, current_user, form.body.data),
    )


@bp.post("/comments/<int:comment_id>/resolve")
def resolve(comment_id: int):
    thread, block = _thread(comment_id)
    _form()
    return _act(block.id, f"thread-{thread.id}", {}, lambda: comment_service.resolve(thread, block, current_user))


@bp.post("/comments/<int:comment_id>/reopen")
def reopen(comment_id: int):
    thread, block = _thread(comment_id)
    _form()
    return _act(
        block.id,
        f"thread-{thread.id}",
        {},
        lambda: comment_service.reopen(thread, block, current_user),
        focus=f"thread-{thread.id}",
    )


@bp.post("/comments/<int:comment_id>/edit")
def edit(comment_id: int):
    comment, block = _load_comment(comment_id)
    form = _form()
    return _act(
        block.id,
        f"comment-{comment.id}",
        {"body": form.body.data or ""},
        lambda: comment_service.edit(comment, block, current_user, form.body.data),
        focus=f"comment-{comment.id}",
    )


@bp.post("/comments/<int:comment_id>/delete")
def delete(comment_id: int):
    comment, block = _load_comment(comment_id)
    _form()
    target = f"thread-{comment.parent_id}" if comment.parent_id else "new"
    # A deleted reply leaves its thread; a deleted thread leaves the list.
    focus = f"thread-{comment.parent_id}" if comment.parent_id else None
    return _act(block.id, target, {}, lambda: comment_service.delete(comment, block, current_user), focus=focus)
