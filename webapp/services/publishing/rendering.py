"""Full-report PDFs: requested here, rendered by the background worker, cached by content hash.

``request_render`` builds the document's HTML in the request (a fifth of a second),
hashes it, and returns the job that has (or is making) exactly those bytes — identical
content is never rendered twice. Otherwise it queues a new job, which the worker
(``webapp.tasks``) receives only once the request has committed, so it always finds
the row. The worker moves the job through its stages with the functions at the end of
this module and commits after each, so pages can show the progress.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import after_commit, signals
from webapp.document import ReportDocument, render_document_html
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import Block, RenderJob, RenderKind, RenderState, Report, User
from webapp.models.base import utcnow
from webapp.services.reports.documents import build_document

STAGE_QUEUED = N_("Väntar på sin tur")
STAGE_BUILDING = N_("Bygger dokumentet")
STAGE_PAGINATING = N_("Sätter sidorna")
STAGE_WRITING = N_("Skriver PDF")
STAGE_CHECKING = N_("Kontrollerar tillgängligheten")
# The renderer's steps (webapp.document.pdf.render_pdf_in_stages) as the pages name them.
STAGES = {"parse": STAGE_BUILDING, "layout": STAGE_PAGINATING, "write": STAGE_WRITING}
# Where a stage lies on the progress bar, out of PROGRESS_STEPS.
PROGRESS = {STAGE_QUEUED: 0, STAGE_BUILDING: 1, STAGE_PAGINATING: 2, STAGE_WRITING: 3, STAGE_CHECKING: 4}
PROGRESS_STEPS = 5
# A job queued or running longer than this was lost (no worker, or a worker that died):
# the next request for the same content queues it again.
STALE_AFTER = timedelta(minutes=10)
ACTIVE_STATES = frozenset({RenderState.QUEUED, RenderState.RUNNING, RenderState.DONE})


@dataclass(frozen=True)
class PreparedRender:
    """What a render job is made from: the exact HTML, its hash and the revisions behind it."""

    report_id: int
    kind: RenderKind
    document: ReportDocument
    html: str
    content_hash: str
    revision_ids: dict[str, int | None]


def content_hash(report_id: int, kind: RenderKind, html: str) -> str:
    return hashlib.sha256(f"{kind.value}\n{report_id}\n{html}".encode()).hexdigest()


def revision_ids(report_id: int) -> dict[str, int | None]:
    """Block id → current revision id for every block of the report (JSON keys are strings)."""
    rows = db.session.execute(
        select(Block.id, Block.current_revision_id).where(Block.report_id == report_id).order_by(Block.id)
    )
    return {str(block_id): revision_id for block_id, revision_id in rows}


def prepare_render(report_id: int, kind: RenderKind) -> PreparedRender | None:
    """The report's print HTML (draft: with the UTKAST watermark), or None if there is no such report.

    Only reads: call it before a write transaction begins.
    """
    document = build_document(report_id, draft=kind is RenderKind.DRAFT)
    if document is None:
        return None
    html = render_document_html(document, for_print=True)
    return PreparedRender(report_id, kind, document, html, content_hash(report_id, kind, html), revision_ids(report_id))


def find_job(kind: RenderKind, content_hash_: str) -> RenderJob | None:
    return db.session.scalars(
        select(RenderJob).where(RenderJob.kind == kind, RenderJob.content_hash == content_hash_)
    ).first()


def job_of_report(report_id: int, job_id: int) -> RenderJob | None:
    job = db.session.get(RenderJob, job_id)
    return job if job is not None and job.report_id == report_id else None


def is_stale(job: RenderJob) -> bool:
    if job.state == RenderState.QUEUED:
        return job.created_at < utcnow() - STALE_AFTER
    if job.state == RenderState.RUNNING:
        return (job.started_at or job.created_at) < utcnow() - STALE_AFTER
    return False


def request_final_render(report: Report, user: User) -> RenderJob | None:
    """The step after locking: start the final PDF now, so Publicera finds it ready."""
    return request_render(report.id, RenderKind.FINAL, user)


def request_render(report_id: int, kind: RenderKind, user: User, *, retry: bool = True) -> RenderJob | None:
    """The render job for the report's current content; None if there is no such report."""
    prepared = prepare_render(report_id, kind)
    return None if prepared is None else request_prepared(prepared, user, retry=retry)


def request_prepared(prepared: PreparedRender, user: User, *, retry: bool = True) -> RenderJob:
    """The job for ``prepared``: the existing one when it is queued, running or done; else a
    queued one (a failed job is queued again only with ``retry``), handed to the worker
    once the request commits.

    Should a concurrent request create the same job first, only this job's savepoint is
    rolled back (the request's other writes stand) and the other request's job returned.
    """
    job = find_job(prepared.kind, prepared.content_hash)
    if job is not None and not is_stale(job) and (job.state in ACTIVE_STATES or not retry):
        return job
    try:
        with db.session.begin_nested():  # flushes the request's earlier writes first, outside it
            if job is None:
                job = RenderJob(report_id=prepared.report_id, kind=prepared.kind, content_hash=prepared.content_hash)
                db.session.add(job)
            job.revision_ids = prepared.revision_ids
            job.state, job.stage, job.error = RenderState.QUEUED, STAGE_QUEUED, ""
            job.requested_by_id = user.id if user.is_authenticated else None
            job.created_at, job.started_at, job.finished_at = utcnow(), None, None
    except IntegrityError:
        existing = find_job(prepared.kind, prepared.content_hash)
        if existing is None:
            raise
        return existing
    # The worker receives the job only once this request has committed, so it always finds the row.
    after_commit.send_after_commit(signals.render_job_queued, job_id=job.id, html=prepared.html)
    return job


# --- The worker's steps (webapp.tasks commits after each) ---------------------------------------


class RenderRefused(Exception):
    """The PDF was made but must not be used; the message says why, in Swedish."""


def start_job(job_id: int) -> RenderJob | None:
    """Mark a queued job running; None if it is gone or another run already took it."""
    job = db.session.get(RenderJob, job_id)
    if job is None or job.state != RenderState.QUEUED:
        return None
    job.state, job.stage, job.started_at = RenderState.RUNNING, STAGE_BUILDING, utcnow()
    db.session.flush()
    return job


def set_stage(job: RenderJob, stage: str) -> None:
    job.stage = stage
    db.session.flush()


def needs_accessibility_check(job: RenderJob) -> bool:
    """Final renders are what gets published: they must pass the accessibility check."""
    return job.kind == RenderKind.FINAL


def check_accessibility(pdf: bytes) -> None:
    """Raise RenderRefused with the problems the accessibility check finds, if any."""
    from webapp.document.accessibility import check_pdf

    problems = check_pdf(pdf)
    if problems:
        raise RenderRefused("Tillgänglighetskontrollen hittade fel i PDF:en: " + "; ".join(problems))


def finish_job(job: RenderJob, pdf: bytes, page_count: int) -> None:
    job.pdf, job.sha256, job.size, job.page_count = pdf, hashlib.sha256(pdf).hexdigest(), len(pdf), page_count
    job.state, job.stage, job.error, job.finished_at = RenderState.DONE, "", "", utcnow()
    db.session.flush()


def fail_job(job_id: int, message: str) -> None:
    job = db.session.get(RenderJob, job_id)
    if job is None:
        return
    job.state, job.error, job.finished_at = RenderState.FAILED, message[:4000], utcnow()
    db.session.flush()


def failure_message(error: Exception) -> str:
    """What the chair reads when a render failed: what happened, and that nothing was published."""
    if isinstance(error, RenderRefused):
        return f"{error} Ingenting har publicerats."
    detail = str(error).strip() or type(error).__name__
    return (
        f"PDF:en kunde inte skapas ({type(error).__name__}: {detail[:500]}). Ingenting har publicerats. "
        "Försök igen; om felet kvarstår, kontakta administratören."
    )


def progress_of(job: RenderJob) -> int:
    """The job's place on the progress bar, 0 … PROGRESS_STEPS."""
    if job.state in (RenderState.DONE, RenderState.FAILED):
        return PROGRESS_STEPS
    return PROGRESS.get(job.stage, 0)
