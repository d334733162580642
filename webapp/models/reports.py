"""Reports (one period), their blocks, and the blocks' immutable revisions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.accounts import Unit, User
from webapp.models.base import utcnow
from webapp.models.report_templates import ReportTemplate, TemplateSection
from webapp.statistics.capacity import CapacityEntry


class ReportState(enum.StrEnum):
    OPEN = "open"
    LOCKED = "locked"


class BlockState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"


class Report(Model):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date]
    period_end: Mapped[date]
    deadline: Mapped[date | None]
    state: Mapped[ReportState] = mapped_column(String(20), default=ReportState.OPEN)
    report_template_id: Mapped[int] = mapped_column(ForeignKey("report_templates.id"))
    previous_report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report_template: Mapped[ReportTemplate] = relationship()
    previous_report: Mapped[Report | None] = relationship(remote_side=[id])
    blocks: Mapped[list[Block]] = relationship(back_populates="report")
    capacities: Mapped[list[ReportCapacity]] = relationship(back_populates="report", cascade="all, delete-orphan")

    @property
    def is_locked(self) -> bool:
        return self.state == ReportState.LOCKED


class ReportCapacity(Model):
    """A night unit's capacity schedule for one report period.

    Taken from the unit's schedule when the report is created, or carried over (moved
    forward by the periods' distance) from the previous report, in which case it waits
    "att bekräfta" until someone from the unit confirms it.
    """

    __tablename__ = "report_capacity"
    __table_args__ = (UniqueConstraint("report_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # [[places, "YYYY-MM-DD" | null, "YYYY-MM-DD" | null], …]
    entries: Mapped[list] = mapped_column(JSON, default=list)
    carried_over: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    report: Mapped[Report] = relationship(back_populates="capacities")
    unit: Mapped[Unit] = relationship()

    @property
    def needs_confirmation(self) -> bool:
        return self.carried_over and self.confirmed_at is None

    @property
    def schedule(self) -> tuple[CapacityEntry, ...]:
        return tuple(
            CapacityEntry(
                int(places), date.fromisoformat(start) if start else None, date.fromisoformat(until) if until else None
            )
            for places, start, until in self.entries
        )


class Block(Model):
    """One unit's part of a section in one report, or the section's joint text.

    ``version`` is SQLAlchemy's optimistic version counter: every UPDATE carries
    ``WHERE version = <read value>``, so two concurrent saves can never both win.
    """

    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("report_id", "section_id", "unit_id", "joint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("template_sections.id"))
    # For a joint block this is the responsible unit, whose members write it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    joint: Mapped[bool] = mapped_column(default=False)
    state: Mapped[BlockState] = mapped_column(String(30), default=BlockState.DRAFT)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", use_alter=True, name="fk_blocks_current_revision_id_revisions")
    )
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The review round began here (creation, approval or reopening): whoever wrote a
    # revision since then may not approve it (four eyes).
    # None: the round began when the block was created.
    round_started_at: Mapped[datetime | None]
    # Set when a writer submits an empty block on purpose ("inget att rapportera").
    nothing_to_report: Mapped[str | None] = mapped_column(String(2000))
    # The current revision has no text (or there is none yet): kept with the pointer (see
    # _keep_is_empty below), so lists show "tomt" without loading any revision body.
    is_empty: Mapped[bool] = mapped_column(default=True, server_default=true())

    report: Mapped[Report] = relationship(back_populates="blocks")
    section: Mapped[TemplateSection] = relationship()
    unit: Mapped[Unit] = relationship()
    # post_update: the pointer is set by an UPDATE after the revision's INSERT, so a
    # save is one flush even though blocks and revisions point at each other.
    current_revision: Mapped[Revision | None] = relationship(foreign_keys=[current_revision_id], post_update=True)

    __mapper_args__ = {"version_id_col": version}


class Revision(Model):
    """An immutable snapshot of a block's content. Never updated, never deleted."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("block_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"))
    number: Mapped[int]
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # The block's statistics tables as entered (table key → cells, see webapp/statistics);
    # a snapshot, so history, diff and restore cover tables too. Computed values are
    # never stored: they are derived from these inputs every time.
    tables: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")
    restored_from_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))

    author: Mapped[User] = relationship()


class BlockDraft(Model):
    """A writer's autosaved, not yet committed text for a block.

    Autosaves while typing land here and are sealed into one revision when the
    writer saves, or once the draft is older than the coalescing window, so the
    history stays readable and nothing typed is lost.
    """

    __tablename__ = "block_drafts"
    __table_args__ = (UniqueConstraint("block_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(Text)
    tables: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    base_version: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_revisions_block_id_number", Revision.block_id, Revision.number)


def is_blank(source: str | None) -> bool:
    """A revision's text counts as empty when it is only whitespace (its tables aside)."""
    return not (source or "").strip()


@event.listens_for(Block.current_revision, "set")
def _keep_is_empty(block: Block, revision: Revision | None, _old, _initiator) -> None:
    """Every path that moves a block to another revision (saving, restoring, importing,
    seeding) sets this relationship, so the flag follows the pointer here, in one place."""
    block.is_empty = revision is None or is_blank(revision.source)


@event.listens_for(Revision, "before_update")
def _revisions_are_immutable(_mapper, _connection, revision: Revision) -> None:
    raise ValueError(f"revision {revision.id} is immutable; make a new revision instead")


@event.listens_for(Revision, "before_delete")
def _revisions_are_never_deleted(_mapper, _connection, revision: Revision) -> None:
    raise ValueError(f"revision {revision.id} may not be deleted")
