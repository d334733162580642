"""What changed in a submitted block since it was last submitted or approved: what a reviewer reads first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Block, BlockState, Revision
from webapp.services.blocks import statistics
from webapp.services.blocks.revisions import WordDiffKind, has_changes, word_diff

REVIEW_MARKS = ("block.submit", "block.approve")


@dataclass(frozen=True)
class ChangesSinceReview:
    since_action: str | None  # "block.submit" or "block.approve"; None: the first submission
    since_at: datetime | None
    since_revision: Revision | None
    parts: tuple[tuple[WordDiffKind, str], ...] = ()
    table_changes: tuple[statistics.TableChange, ...] = ()

    @property
    def first_submission(self) -> bool:
        return self.since_action is None

    @property
    def text_changed(self) -> bool:
        return has_changes(list(self.parts))

    @property
    def unchanged(self) -> bool:
        return not self.first_submission and not self.text_changed and not self.table_changes


def changes_since_review(block: Block) -> ChangesSinceReview | None:
    """For a submitted block: the word diff since the previous submission or approval (two queries)."""
    if block.state != BlockState.SUBMITTED:
        return None
    marks = db.session.execute(
        select(AuditEvent.action, AuditEvent.created_at)
        .where(AuditEvent.block_id == block.id, AuditEvent.action.in_(REVIEW_MARKS))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(2)
    ).all()
    # marks[0] is the current submission; the one before it is what the reviewer last saw.
    if len(marks) < 2:
        return ChangesSinceReview(None, None, None)
    action, at = marks[1]
    before = db.session.scalars(
        select(Revision)
        .where(Revision.block_id == block.id, Revision.created_at <= at)
        .order_by(Revision.number.desc())
        .limit(1)
    ).first()
    current = block.current_revision
    old_source, old_tables = (before.source, before.tables or {}) if before else ("", {})
    new_source, new_tables = (current.source, current.tables or {}) if current else ("", {})
    return ChangesSinceReview(
        since_action=action,
        since_at=at,
        since_revision=before,
        parts=tuple(word_diff(old_source, new_source)),
        table_changes=statistics.table_changes(block, old_tables, new_tables),
    )
