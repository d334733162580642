"""Comment threads on a block: start, reply, resolve, reopen, edit, delete.

Services flush, views commit. Every action writes an audit event; a new thread or reply
notifies the block's writers and the people in the thread. A locked report refuses all of it.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from webapp.content import render_markdown
from webapp.extensions import db
from webapp.input_errors import InputRefused
from webapp.models import Block, Comment, User
from webapp.models.base import utcnow
from webapp.permissions import PermissionDenied, StateForbids, can_comment, can_resolve
from webapp.services import audit, notifications
from webapp.services.blocks.statistics import block_specs
from webapp.statistics.specs import RowSource

MAX_BODY_CHARS = 10_000
MAX_QUOTE_CHARS = 2_000
QUOTE_CHANGED = "Texten har ändrats sedan kommentaren skrevs."


class CommentInputError(InputRefused):
    """Bad input for a comment; becomes 422 with the message shown next to the form."""

    def __init__(self, message: str, field: str = "body"):
        super().__init__(message, field)


# --- Rules -----------------------------------------------------------------------------------


def _require_open(block: Block) -> None:
    if block.report.is_locked:
        raise StateForbids("Rapporten är låst. Inga kommentarer kan skrivas eller ändras.")


def _require_signed_in(user: User) -> None:
    if not (user.is_authenticated and user.active):
        raise PermissionDenied("Logga in för att kommentera.")


def _clean_body(body: str | None) -> str:
    text = (body or "").strip()
    if not text:
        raise CommentInputError("Skriv något i kommentaren.")
    if len(text) > MAX_BODY_CHARS:
        raise CommentInputError(f"En kommentar får vara högst {MAX_BODY_CHARS:,} tecken.".replace(",", " "))
    return text


def _clean_anchor(
    block: Block, table_key: str | None, row_key: str | None, column_key: str | None
) -> tuple[str | None, str | None, str | None]:
    table_key, row_key, column_key = ((value or "").strip() or None for value in (table_key, row_key, column_key))
    if table_key is None:
        if row_key or column_key:
            raise CommentInputError("Välj en tabell för cellen.", field="table_key")
        return None, None, None
    spec = next((s for s in block_specs(block) if s.key == table_key), None)
    if spec is None:
        raise CommentInputError("Tabellen finns inte i det här bidraget.", field="table_key")
    if column_key is not None and spec.column(column_key) is None:
        raise CommentInputError("Kolumnen finns inte i tabellen.", field="column_key")
    if row_key is not None:
        if spec.row_source is RowSource.FREE:
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", row_key):
                raise CommentInputError("Raden finns inte i tabellen.", field="row_key")
        elif spec.fixed_row(row_key) is None:
            raise CommentInputError("Raden finns inte i tabellen.", field="row_key")
    return table_key, row_key, column_key


# --- Actions ---------------------------------------------------------------------------------


def start_thread(
    block: Block,
    user: User,
    body: str | None,
    *,
    quote: str | None = None,
    table_key: str | None = None,
    row_key: str | None = None,
    column_key: str | None = None,
) -> Comment:
    _require_signed_in(user)
    _require_open(block)
    source = _clean_body(body)
    quote = " ".join((quote or "").split()) or None
    if quote is not None and len(quote) > MAX_QUOTE_CHARS:
        raise CommentInputError(f"Citatet får vara högst {MAX_QUOTE_CHARS} tecken.", field="quote")
    anchor = _clean_anchor(block, table_key, row_key, column_key)
    html = render_markdown(source)  # before the write transaction begins
    comment = Comment(
        block_id=block.id,
        author_id=user.id,
        source=source,
        html=html,
        quote=quote,
        table_key=anchor[0],
        row_key=anchor[1],
        column_key=anchor[2],
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    audit.record("comment.created", user=user, block=block, details={"comment_id": comment.id})
    notifications.on_comment(comment, comment, block, user)
    return comment


def reply(thread: Comment, block: Block, user: User, body: str | None) -> Comment:
    _require_signed_in(user)
    _require_open(block)
    if not thread.is_thread:
        raise CommentInputError("Svara i tråden, inte på ett svar.")
    source = _clean_body(body)
    html = render_markdown(source)
    comment = Comment(
        block_id=block.id, parent_id=thread.id, author_id=user.id, source=source, html=html, created_at=utcnow()
    )
    db.session.add(comment)
    db.session.flush()
    audit.record("comment.replied", user=user, block=block, details={"comment_id": comment.id, "thread_id": thread.id})
    notifications.on_comment(comment, thread, block, user)
    return comment


def resolve(thread: Comment, block: Block, user: User) -> None:
    _require_signed_in(user)
    _require_open(block)
    if not can_resolve(user, thread, block):
        raise PermissionDenied(
            "Bara bidragets skribenter, granskare och den som startade tråden kan markera den som löst."
        )
    if thread.resolved_at is not None:
        return
    thread.resolved_at, thread.resolved_by_id = utcnow(), user.id
    db.session.flush()
    audit.record("comment.resolved", user=user, block=block, details={"thread_id": thread.id})


def reopen(thread: Comment, block: Block, user: User) -> None:
    _require_signed_in(user)
    _require_open(block)
    if not can_resolve(user, thread, block):
        raise PermissionDenied(
            "Bara bidragets skribenter, granskare och den som startade tråden kan öppna tråden igen."
        )
    if thread.resolved_at is None:
        return
    thread.resolved_at, thread.resolved_by_id = None, None
    db.session.flush()
    audit.record("comment.reopened", user=user, block=block, details={"thread_id": thread.id})


def _has_replies(comment: Comment) -> bool:
    if not comment.is_thread:
        return False
    return bool(db.session.scalar(select(func.count()).select_from(Comment).where(Comment.parent_id == comment.id)))


def _require_own_unreplied(comment: Comment, user: User, verb: str) -> None:
    if comment.author_id != user.id:
        raise PermissionDenied(f"Du kan bara {verb} dina egna kommentarer.")
    if _has_replies(comment):
        raise StateForbids(f"Tråden har fått svar och kan inte längre {verb}s.")


def edit(comment: Comment, block: Block, user: User, body: str | None) -> None:
    _require_signed_in(user)
    _require_open(block)
    _require_own_unreplied(comment, user, "ändra")
    source = _clean_body(body)
    html = render_markdown(source)
    comment.source, comment.html, comment.edited_at = source, html, utcnow()
    db.session.flush()
    audit.record("comment.edited", user=user, block=block, details={"comment_id": comment.id})


def delete(comment: Comment, block: Block, user: User) -> None:
    _require_signed_in(user)
    _require_open(block)
    _require_own_unreplied(comment, user, "ta bort")
    comment_id = comment.id
    # Notifications may point at the comment; they outlive it without the link.
    from webapp.models import Notification

    db.session.execute(
        Notification.__table__.update().where(Notification.comment_id == comment_id).values(comment_id=None)
    )
    db.session.delete(comment)
    db.session.flush()
    audit.record(
        "comment.deleted", user=user, block=block, details={"comment_id": comment_id, "thread_id": comment.parent_id}
    )


def load_comment(comment_id: int) -> Comment | None:
    """A comment with its block and report (locked?) for a write."""
    return db.session.get(Comment, comment_id, options=[joinedload(Comment.author)])


# --- Reading ---------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_MARKDOWN_MARKS = re.compile(r"[*_`#>~]+")


def plain_text(html: str) -> str:
    """The visible text of rendered HTML, whitespace collapsed."""
    return " ".join(html_lib.unescape(_TAG.sub(" ", html or "")).split())


def _normalise(text: str) -> str:
    return " ".join(_MARKDOWN_MARKS.sub("", text).split()).casefold()


def quote_still_there(quote: str, current_html: str) -> bool:
    return _normalise(quote) in _normalise(plain_text(current_html))


@dataclass
class CommentView:
    comment: Comment
    can_edit: bool
    can_delete: bool


@dataclass
class ThreadView:
    thread: Comment
    first: CommentView
    replies: list[CommentView] = field(default_factory=list)
    quote_changed: bool = False
    anchor_label: str | None = None
    can_reply: bool = False
    can_resolve: bool = False

    @property
    def is_open(self) -> bool:
        return self.thread.is_open


@dataclass
class Threads:
    block: Block
    open: list[ThreadView]
    resolved: list[ThreadView]
    can_comment: bool
    cells: list[tuple[str, str]]  # (table|row|column, label) for the anchor select
    quote_changed_message: str = QUOTE_CHANGED

    @property
    def count(self) -> int:
        return len(self.open) + len(self.resolved)


def _cell_choices(block: Block) -> list[tuple[str, str]]:
    choices = []
    for spec in block_specs(block):
        choices.append((f"{spec.key}||", spec.title))
        for row in spec.rows:
            for column in spec.columns:
                choices.append(
                    (f"{spec.key}|{row.key}|{column.key}", f"{spec.title}: {row.label}, {column.full_label}")
                )
    return choices


def _anchor_label(block: Block, comment: Comment) -> str | None:
    if comment.table_key is None:
        return None
    spec = next((s for s in block_specs(block) if s.key == comment.table_key), None)
    if spec is None:
        return comment.table_key
    parts = [spec.title]
    row = spec.fixed_row(comment.row_key) if comment.row_key else None
    column = spec.column(comment.column_key) if comment.column_key else None
    details = [x for x in ((row.label if row else comment.row_key), (column.full_label if column else None)) if x]
    if details:
        parts.append(", ".join(details))
    return ": ".join(parts)


def threads_for(block: Block, user: User) -> Threads:
    """Every thread on the block with its replies, in one query."""
    comments = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.block_id == block.id)
            .options(joinedload(Comment.author), joinedload(Comment.resolved_by))
            .order_by(Comment.created_at, Comment.id)
        )
    )
    current_html = block.current_revision.html if block.current_revision else ""
    may_comment = can_comment(user, block)
    replies_of: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies_of.setdefault(comment.parent_id, []).append(comment)
    open_threads: list[ThreadView] = []
    resolved_threads: list[ThreadView] = []
    for thread in (c for c in comments if c.parent_id is None):
        replies = replies_of.get(thread.id, [])
        own_first = may_comment and thread.author_id == user.id and not replies
        view = ThreadView(
            thread=thread,
            first=CommentView(thread, can_edit=own_first, can_delete=own_first),
            replies=[
                CommentView(
                    r,
                    can_edit=may_comment and r.author_id == user.id,
                    can_delete=may_comment and r.author_id == user.id,
                )
                for r in replies
            ],
            quote_changed=bool(thread.quote and not quote_still_there(thread.quote, current_html)),
            anchor_label=_anchor_label(block, thread),
            can_reply=may_comment,
            can_resolve=can_resolve(user, thread, block),
        )
        (open_threads if thread.is_open else resolved_threads).append(view)
    return Threads(
        block=block,
        open=open_threads,
        resolved=resolved_threads,
        can_comment=may_comment,
        cells=_cell_choices(block) if may_comment else [],
    )


def open_thread_counts(report_id: int) -> dict[int, int]:
    """Open threads per block of a report, in one query."""
    rows = db.session.execute(
        select(Comment.block_id, func.count())
        .join(Block, Block.id == Comment.block_id)
        .where(Block.report_id == report_id, Comment.parent_id.is_(None), Comment.resolved_at.is_(None))
        .group_by(Comment.block_id)
    )
    return {block_id: count for block_id, count in rows}
