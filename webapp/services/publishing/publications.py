"""Publishing a locked report: the checklist, and version N of its PDF and HTML edition.

A publication takes the bytes the background worker already made for the locked
content (``services.rendering``), so pressing Publicera only stores them. Publications
are never changed or deleted (the models and the database refuse); a correction is
published as the next version, beside the earlier ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from webapp import permissions
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import BlockState, Publication, RenderJob, RenderKind, RenderState, Report, User
from webapp.models.base import utcnow
from webapp.permissions import StateForbids
from webapp.services import audit
from webapp.services.blocks.statistics import block_tables
from webapp.services.publishing import rendering
from webapp.services.reports import ReportOutline, load_outline
from webapp.services.review.comments import open_thread_counts

MAX_NOTE = 2000


class RenderNotReady(StateForbids):
    """The final PDF is still being made (or failed): the chair waits, or retries."""


class OpenThreadsNeedReason(ValueError):
    """Open comment threads are left open only when the chair says so, and why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OpenThread:
    block_id: int
    heading: str  # "1.2 Beläggning – Stadsmissionens nattverksamhet"
    count: int


@dataclass(frozen=True)
class CheckItem:
    key: str
    label: str  # what must hold, in Swedish (translated where shown)
    ok: bool
    detail: str = ""  # why it does not hold yet, or what it found
    blocking: bool = True  # open threads may be left open consciously: they do not block


@dataclass(frozen=True)
class Checklist:
    items: tuple[CheckItem, ...]
    open_threads: tuple[OpenThread, ...]
    job: RenderJob | None
    published_as: int | None  # the version already published with exactly this content

    @property
    def blocking_reasons(self) -> tuple[str, ...]:
        return tuple(item.detail for item in self.items if item.blocking and not item.ok)

    @property
    def ready(self) -> bool:
        return not self.blocking_reasons

    @property
    def open_thread_total(self) -> int:
        return sum(thread.count for thread in self.open_threads)


def require_chair(user: User) -> None:
    permissions.require_chair(user, "Bara ordföranden kan publicera rapporten.")


def publications_of(report_id: int) -> list[Publication]:
    """The report's publications, newest first, with who published them (without their bytes)."""
    return list(
        db.session.scalars(
            select(Publication)
            .where(Publication.report_id == report_id)
            .options(joinedload(Publication.published_by))
            .order_by(Publication.version.desc())
        )
    )


def publication(report_id: int, version: int) -> Publication | None:
    return db.session.scalars(
        select(Publication).where(Publication.report_id == report_id, Publication.version == version)
    ).first()


def _published_version(report_id: int, content_hash: str) -> int | None:
    return db.session.scalar(
        select(Publication.version).where(Publication.report_id == report_id, Publication.content_hash == content_hash)
    )


def _statistics_errors(outline: ReportOutline) -> int:
    """Errors in the blocks' statistics (warnings were justified or accepted at review)."""
    errors = 0
    for block in outline.blocks:
        stored = (block.current_revision.tables or {}) if block.current_revision is not None else {}
        errors += sum(len(table.errors) for table in block_tables(block, stored, None))
    return errors


def _open_threads(outline: ReportOutline) -> tuple[OpenThread, ...]:
    counts = open_thread_counts(outline.report.id)
    threads = []
    for chapter in outline.chapters:
        for section in chapter.sections:
            for block in section.blocks:
                if counts.get(block.id):
                    who = "Gemensam text" if block.joint else block.unit.name
                    threads.append(
                        OpenThread(block.id, f"{section.number} {section.section.title} – {who}", counts[block.id])
                    )
    return tuple(threads)


def _render_item(job: RenderJob | None) -> CheckItem:
    label = N_("Den slutliga PDF:en är klar och har klarat tillgänglighetskontrollen")
    if job is None:
        return CheckItem("render", label, False, "Den slutliga PDF:en skapas när rapporten är låst.")
    if job.state == RenderState.DONE:
        return CheckItem("render", label, True, f"{job.page_count} sidor.")
    if job.state == RenderState.FAILED:
        return CheckItem("render", label, False, job.error or "PDF:en kunde inte skapas.")
    status = rendering.status_of(job)
    if status.message:  # interrupted, or waiting for a PDF service that has not taken it
        return CheckItem("render", label, False, status.message)
    stage = (job.stage or rendering.STAGE_QUEUED).lower()
    return CheckItem("render", label, False, f"PDF:en skapas just nu ({stage}). Vänta tills den är klar.")


def checklist(
    report: Report,
    *,
    job: RenderJob | None = None,
    content_hash: str | None = None,
    outline: ReportOutline | None = None,
) -> Checklist:
    """What must hold before ``report`` is published, given the final render ``job`` of its
    current content (``content_hash``)."""
    if outline is None:
        outline = load_outline(report.id)
        # None only for a report the database does not hold; reports are never deleted.
        assert outline is not None, f"report {report.id} is not in the database"
    waiting = sum(1 for block in outline.blocks if block.state != BlockState.APPROVED)
    errors = _statistics_errors(outline)
    threads = _open_threads(outline)
    published_as = _published_version(report.id, content_hash) if content_hash else None
    items = (
        CheckItem(
            "locked",
            N_("Rapporten är låst"),
            report.is_locked,
            "" if report.is_locked else "Lås rapporten först, så att ingen ändrar den medan den publiceras.",
        ),
        CheckItem(
            "approved",
            N_("Alla bidrag är godkända"),
            waiting == 0,
            "" if waiting == 0 else f"{waiting} bidrag är inte godkända.",
        ),
        CheckItem(
            "statistics",
            N_("Statistiken har inga fel"),
            errors == 0,
            "" if errors == 0 else f"Statistiken har {errors} fel som måste rättas.",
        ),
        CheckItem(
            "threads",
            N_("Inga öppna kommentarstrådar"),
            not threads,
            ""
            if not threads
            else (
                f"{sum(t.count for t in threads)} öppna trådar: kryssa i att de lämnas "
                "öppna och skriv varför, eller lös dem först."
            ),
            blocking=False,
        ),
        _render_item(job),
        CheckItem(
            "new",
            N_("Innehållet är inte redan publicerat"),
            published_as is None,
            "" if published_as is None else f"Exakt det här innehållet är redan publicerat som version {published_as}.",
        ),
    )
    return Checklist(items, threads, job, published_as)


def publish(
    report: Report, user: User, *, leave_threads_open: bool = False, open_threads_reason: str = ""
) -> Publication:
    """Store the next version of ``report``'s publication from its finished final render.

    Refuses (PermissionDenied) anyone but the chair; (StateForbids) an open report, content
    already published, a failing checklist; (RenderNotReady) while the final PDF is not
    done; (OpenThreadsNeedReason) open threads without the chair's tick and reason.
    """
    require_chair(user)
    if not report.is_locked:
        raise StateForbids("Rapporten måste vara låst innan den kan publiceras.")
    prepared = rendering.prepare_render(report.id, RenderKind.FINAL)
    assert prepared is not None  # the report exists
    published_as = _published_version(report.id, prepared.content_hash)
    if published_as is not None:
        raise StateForbids(
            f"Exakt det här innehållet är redan publicerat som version {published_as}. Ingen ny version har skapats."
        )
    job = rendering.find_job(RenderKind.FINAL, prepared.content_hash)
    check = checklist(report, job=job, content_hash=prepared.content_hash)
    not_render = [item.detail for item in check.items if item.blocking and not item.ok and item.key != "render"]
    if not_render:
        raise StateForbids(" ".join(not_render))
    if job is None or job.state != RenderState.DONE:
        raise RenderNotReady(_render_item(job).detail)
    note = _open_threads_note(check, leave_threads_open, open_threads_reason)

    pdf = job.pdf or b""
    if hashlib.sha256(pdf).hexdigest() != job.sha256:
        raise StateForbids("Den färdiga PDF:en stämmer inte med sin kontrollsumma; skapa den på nytt.")
    from webapp.document.edition import render_html_edition

    html = render_html_edition(prepared.document)
    version = (
        db.session.scalar(select(func.max(Publication.version)).where(Publication.report_id == report.id)) or 0
    ) + 1
    publication = Publication(
        report_id=report.id,
        version=version,
        content_hash=prepared.content_hash,
        pdf=pdf,
        html=html,
        sha256=job.sha256,
        size=len(pdf),
        page_count=job.page_count,
        revision_ids=job.revision_ids,
        published_by_id=user.id,
        published_at=utcnow(),
        open_threads_note=note,
    )
    db.session.add(publication)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise StateForbids("Rapporten publicerades samtidigt av någon annan. Ladda om sidan.") from None
    audit.record(
        "report.published",
        user=user,
        report_id=report.id,
        reason=note,
        details={
            "version": version,
            "sha256": publication.sha256,
            "size": publication.size,
            "page_count": publication.page_count,
        },
    )
    db.session.flush()
    return publication


def _open_threads_note(check: Checklist, leave_open: bool, reason: str) -> str:
    if not check.open_threads:
        return ""
    reason = reason.strip()
    if not leave_open or not reason:
        raise OpenThreadsNeedReason(
            "Det finns öppna kommentarstrådar. Kryssa i att de lämnas öppna och skriv varför, eller lös dem först."
        )
    listing = "; ".join(f"{thread.heading} ({thread.count})" for thread in check.open_threads)
    return f"{reason}\nLämnade öppna: {listing}"[:MAX_NOTE]


def download_name(report: Report, version: int, extension: str) -> str:
    """``IOP-verksamhetsrapport-2021-11--2022-04-v1.pdf``."""
    return f"IOP-verksamhetsrapport-{report.period_start:%Y-%m}--{report.period_end:%Y-%m}-v{version}.{extension}"


def html_etag(publication_: Publication) -> str:
    return hashlib.sha256(publication_.html.encode("utf-8")).hexdigest()


def human_size(size: int | None) -> str:
    """``"327 kB"``, ``"1,4 MB"``: file sizes as Swedish pages write them."""
    if size is None:
        return ""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{round(size / 1000)} kB"
    return f"{size / 1_000_000:.1f} MB".replace(".", ",")
