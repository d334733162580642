"""Rendered documents: background render jobs (a cache by content hash) and publications.

A publication is the archived, final PDF of a locked report. It is never updated or
deleted: the ORM refuses here, and the database refuses too (triggers, migration 0005).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.accounts import User
from webapp.models.base import utcnow


class RenderKind(enum.StrEnum):
    DRAFT = "draft"  # with the UTKAST watermark, for reading before publication
    FINAL = "final"  # the locked report as it will be published


class RenderState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RenderJob(Model):
    """One full-report PDF render, done by the background worker.

    ``content_hash`` is the sha256 of the exact HTML rendered (plus the kind), so the same
    content is never rendered twice: a new request finds the finished job and its bytes.
    """

    __tablename__ = "render_jobs"
    __table_args__ = (UniqueConstraint("kind", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    kind: Mapped[RenderKind] = mapped_column(String(10))
    content_hash: Mapped[str] = mapped_column(String(64))
    # The revisions the HTML was built from, block id → revision id.
    revision_ids: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[RenderState] = mapped_column(String(10), default=RenderState.QUEUED)
    stage: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    page_count: Mapped[int | None]
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The exact HTML to render, kept while the job may still need a worker (cleared once done),
    # so a job whose worker died can be taken up again without rebuilding the document.
    html: Mapped[str | None] = deferred(mapped_column(Text))
    # Lease: the worker ``worker_id`` renders the job until ``lease_until`` and renews it while
    # it works; a running job whose lease ran out lost its worker and is taken up again.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    worker_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    lease_until: Mapped[datetime | None]
    # When the job was last handed to the queue, and why that failed (the queue was unreachable).
    enqueued_at: Mapped[datetime | None]
    enqueue_error: Mapped[str] = mapped_column(String(500), default="", server_default="")


class Publication(Model):
    """Version N of a report's published PDF and HTML edition; immutable."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("report_id", "version"), UniqueConstraint("report_id", "content_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    html: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    page_count: Mapped[int]
    revision_ids: Mapped[dict] = mapped_column(JSON, default=dict)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Threads consciously left open at publication, with the chair's reason.
    open_threads_note: Mapped[str] = mapped_column(String(2000), default="")

    published_by: Mapped[User] = relationship()


@event.listens_for(Publication, "before_update")
def _publications_are_immutable(_mapper, _connection, publication: Publication) -> None:
    raise ValueError(f"publication {publication.id} is immutable; publish a new version instead")


@event.listens_for(Publication, "before_delete")
def _publications_are_never_deleted(_mapper, _connection, publication: Publication) -> None:
    raise ValueError(f"publication {publication.id} may not be deleted")
