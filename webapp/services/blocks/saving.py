"""Saving blocks: revisions, autosave drafts, conflicts, restore.

A block's content is its Markdown text plus the inputs of its statistics tables;
both travel together in every revision and draft, so history, conflicts and
restore treat them as one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from webapp.content import render_markdown
from webapp.extensions import begin_write, db
from webapp.models import Block, BlockDraft, Report, ReportState, Revision, User
from webapp.models.base import utcnow
from webapp.models.reports import is_blank
from webapp.permissions import StateForbids, require_edit_block
from webapp.services import audit
from webapp.services.blocks.revisions import should_seal_draft


class ContentTooLarge(Exception):
    """The block body is larger than the configured limit; becomes 413."""

    def __init__(self, limit_bytes: int):
        super().__init__(limit_bytes)
        self.limit_bytes = limit_bytes


@dataclass(frozen=True)
class Content:
    source: str = ""
    tables: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SaveOutcome:
    kind: Literal["saved", "unchanged", "drafted", "conflict"]
    block: Block
    revision: Revision | None = None
    # For a conflict: what the block holds now, which the writer must merge with.
    current_source: str = ""


def current_content(block: Block) -> Content:
    revision = block.current_revision
    return Content(revision.source, revision.tables or {}) if revision else Content()


def current_source(block: Block) -> str:
    return current_content(block).source


def _normalise(source: str) -> str:
    # Browsers send CRLF from a textarea; store one form so "unchanged" means unchanged.
    return source.replace("\r\n", "\n").replace("\r", "\n")


def _find_draft(block: Block, author: User) -> BlockDraft | None:
    return db.session.scalars(
        select(BlockDraft).where(BlockDraft.block_id == block.id, BlockDraft.author_id == author.id)
    ).first()


def _conflict(block: Block) -> SaveOutcome:
    return SaveOutcome("conflict", block, current_source=current_source(block))


def _add_revision(
    block: Block, author: User, content: Content, html: str, note: str, restored_from: Revision | None = None
) -> Revision:
    """A new revision, written with one plain INSERT, becomes the block's current one with one
    plain UPDATE that carries the block's version check.

    A revision is never changed after its INSERT, so the ORM has nothing to track: the row goes
    in directly and the object handed back is attached as if loaded, without a SELECT. The
    block's pointer, its is_empty flag and its version move in one UPDATE ... WHERE version = the
    version read (through the ORM the pointer's post_update was a second UPDATE and a second
    version); a concurrent save that committed first makes it match no row (StaleDataError) or
    takes the revision number (IntegrityError), and the caller turns either into a conflict.
    """
    previous = block.current_revision
    values = {
        "block_id": block.id,
        "number": (previous.number + 1) if previous else 1,
        "source": content.source,
        "html": html,
        "tables": content.tables,
        "author_id": author.id,
        "created_at": utcnow(),
        "note": note,
        "restored_from_id": restored_from.id if restored_from else None,
    }
    begin_write(db.session)
    revision_id = db.session.execute(_INSERT_REVISION, values).scalar_one()
    revision = Revision(id=revision_id, **values)
    make_transient_to_detached(revision)  # as loaded: no INSERT at the flush, nothing to UPDATE
    db.session.add(revision)
    _point_at(block, revision)
    audit.record(
        "block.restored" if restored_from else "block.saved",
        user=author,
        block=block,
        details={"revision": revision.number, "note": note},
    )
    return revision


def _point_at(block: Block, revision: Revision) -> None:
    """The block's one versioned UPDATE; the loaded block then holds what the row holds."""
    is_empty = is_blank(revision.source)  # the rule models.reports._keep_is_empty applies on assignment
    version = block.version
    moved = db.session.execute(
        _MOVE_BLOCK,
        {
            "block_id": block.id,
            "read_version": version,
            "revision_id": revision.id,
            "now_empty": is_empty,
            "next_version": version + 1,
        },
    ).first()
    if moved is None:
        raise StaleDataError(f"block {block.id} is no longer at version {version}")
    for key, value in (
        ("current_revision_id", revision.id),
        ("current_revision", revision),
        ("is_empty", is_empty),
        ("version", version + 1),
    ):
        set_committed_value(block, key, value)


_REVISIONS = Revision.__table__
_BLOCKS = Block.__table__
# Built once: compiling a statement from .values(dict) on every save cost more than running it.
_INSERT_REVISION = insert(_REVISIONS).returning(_REVISIONS.c.id)
_MOVE_BLOCK = (
    update(_BLOCKS)
    .where(_BLOCKS.c.id == bindparam("block_id"), _BLOCKS.c.version == bindparam("read_version"))
    .values(
        current_revision_id=bindparam("revision_id"),
        is_empty=bindparam("now_empty"),
        version=bindparam("next_version"),
    )
    .returning(_BLOCKS.c.id)
)


def save_block(
    block: Block,
    author: User,
    source: str,
    *,
    base_version: int,
    tables: dict | None = None,
    note: str = "",
    autosave: bool = False,
    max_bytes: int,
    coalesce_seconds: int,
    now: datetime | None = None,
) -> SaveOutcome:
    """Save what a writer typed, starting from ``base_version`` of the block.

    ``tables`` None keeps the block's tables as they are (a text-only save). A stale
    ``base_version`` is a conflict: nothing is written and the caller shows both texts.
    An explicit save with unchanged content makes no revision. An autosave goes to the
    writer's draft and becomes a revision when the coalescing window closes.
    """
    require_edit_block(author, block)
    source = _normalise(source)
    if len(source.encode("utf-8")) > max_bytes:
        raise ContentTooLarge(max_bytes)
    if base_version != block.version:
        return _conflict(block)
    content = Content(source, current_content(block).tables if tables is None else tables)
    # Rendered before anything is flushed, so the write transaction stays short.
    html = render_markdown(source)
    now = now or utcnow()
    draft = _find_draft(block, author) if autosave else None
    sealing = draft is not None and should_seal_draft(draft.started_at, now, coalesce_seconds)
    try:
        if autosave and not sealing:
            outcome = _store_draft(block, author, draft, content, base_version, now)
        else:
            outcome = _commit_content(block, author, content, html, note)
        db.session.flush()
        _still_open_inside_the_write(block)
    except (StaleDataError, IntegrityError):
        return _lost_race(block)
    return outcome


def _still_open_inside_the_write(block: Block) -> None:
    """Re-read the report's state inside the write transaction.

    The first check happened before writing; a lock may have committed since. On
    SQLite the write transaction (BEGIN IMMEDIATE) excludes the lock's; on PostgreSQL
    FOR SHARE waits for a lock in progress. Either way no save lands after a lock.
    """
    state = db.session.scalar(select(Report.state).where(Report.id == block.report_id).with_for_update(read=True))
    if state == ReportState.LOCKED:
        raise StateForbids("Rapporten låstes just. Ingenting sparades.")


def _store_draft(
    block: Block, author: User, draft: BlockDraft | None, content: Content, base_version: int, now: datetime
) -> SaveOutcome:
    if draft is None:
        draft = BlockDraft(block_id=block.id, author_id=author.id, started_at=now)
        db.session.add(draft)
    draft.source, draft.tables = content.source, content.tables
    draft.base_version, draft.updated_at = base_version, now
    return SaveOutcome("drafted", block)


def _commit_content(block: Block, author: User, content: Content, html: str, note: str) -> SaveOutcome:
    """The writer's content becomes the block's; their draft has served its purpose."""
    if content == current_content(block):
        outcome = SaveOutcome("unchanged", block, revision=block.current_revision)
    else:
        outcome = SaveOutcome("saved", block, revision=_add_revision(block, author, content, html, note))
    # One plain DELETE inside the write transaction the revision opened: no SELECT
    # first and none of the ORM's bulk bookkeeping, which cost more than the rest of a save.
    drafts = BlockDraft.__table__
    db.session.flush()
    db.session.execute(delete(drafts).where(drafts.c.block_id == block.id, drafts.c.author_id == author.id))
    return outcome


def _lost_race(block: Block) -> SaveOutcome:
    """Someone else's save committed between our read and our write: either the version
    check on the block or the unique (block, revision number) caught it. Nothing is kept."""
    db.session.rollback()
    db.session.refresh(block)
    return _conflict(block)


def restore_revision(block: Block, author: User, revision: Revision, *, base_version: int) -> SaveOutcome:
    """Make an old revision current again (text and tables) by copying it into a new revision."""
    require_edit_block(author, block)
    if revision.block_id != block.id:
        raise LookupError("revision belongs to another block")
    if base_version != block.version:
        return _conflict(block)
    content = Content(revision.source, revision.tables or {})
    if content == current_content(block):
        return SaveOutcome("unchanged", block, revision=block.current_revision)
    try:
        new_revision = _add_revision(
            block,
            author,
            content,
            revision.html,
            note=f"Återställd från version {revision.number}",
            restored_from=revision,
        )
        db.session.flush()
        _still_open_inside_the_write(block)
    except (StaleDataError, IntegrityError):
        return _lost_race(block)
    return SaveOutcome("saved", block, revision=new_revision)


@dataclass(frozen=True)
class EditorState:
    """What a writer's editor starts from: her draft if she has one, else the block.

    ``base_version`` is always the block's current version, never a number from a request:
    an editor drawn after a save must carry the version that save made, or the writer's
    next save would conflict with her own. A draft begun from an older version is shown
    with the block's current text beside it (``conflict_source``), so she merges knowingly.
    """

    source: str
    tables: dict
    base_version: int
    draft: BlockDraft | None = None
    conflict_source: str | None = None


def editor_state(block: Block, author: User | None) -> EditorState:
    """The editor as the writer left it; ``author`` None for a reader, who sees the block."""
    draft = draft_for(block, author) if author is not None else None
    content = Content(draft.source, draft.tables or {}) if draft else current_content(block)
    stale = draft is not None and draft.base_version != block.version
    return EditorState(
        content.source, dict(content.tables), block.version, draft, current_source(block) if stale else None
    )


def editor_content(block: Block, author: User) -> Content:
    """What posted editor fields apply to: the writer's draft, else the block.

    Grid posts, imports and saves all start from here, so a free row that so far exists
    only in her draft is a row she may edit, not an unknown one.
    """
    draft = _find_draft(block, author)
    return Content(draft.source, dict(draft.tables or {})) if draft else current_content(block)


def draft_for(block: Block, author: User) -> BlockDraft | None:
    """The writer's autosaved content, if it differs from what the block holds."""
    draft = _find_draft(block, author)
    if draft is None or Content(draft.source, draft.tables or {}) == current_content(block):
        return None
    return draft
