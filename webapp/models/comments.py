"""Comment threads on blocks, anchored to a quoted passage or a table cell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.accounts import User
from webapp.models.base import utcnow


class Comment(Model):
    """A thread's first comment (``parent_id`` None) or a reply to it.

    The thread's anchor lives on the first comment: the passage it quotes (kept as it
    was, so a later edit shows as "text has changed since") or a table cell.
    """

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(String(2000))
    table_key: Mapped[str | None] = mapped_column(String(60))
    row_key: Mapped[str | None] = mapped_column(String(60))
    column_key: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.created_at", back_populates="parent")
    parent: Mapped[Comment | None] = relationship(remote_side=[id], back_populates="replies")

    @property
    def is_thread(self) -> bool:
        return self.parent_id is None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Notification(Model):
    """Something that concerns one person: a comment on their block, a decision, a deadline."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]


class Presence(Model):
    """Who has a block open for editing, and when they were last seen there."""

    __tablename__ = "block_presence"

    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
