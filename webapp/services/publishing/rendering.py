"""Full-report PDFs: requested here, rendered by the background worker, cached by content hash.

``request_render`` builds the document's HTML in the request (a fifth of a second),
hashes it, and returns the job that has (or is making) exactly those bytes — identical
content is never rendered twice. Otherwise it queues a new job, which the worker
(``webapp.tasks``) receives only once the request has committed, so it always finds
the row. The worker moves the job through its stages with the functions at the end of
this module and commits after each, so pages can show the progress.

Nothing stays stuck: a worker holds a lease on the job it renders and renews it while it
works; a running job whose lease ran out lost its worker (killed, out of memory, a full
disk) and is taken up again by the next worker (``claim_job``), at most
``RENDER_MAX_ATTEMPTS`` times. A queued job that no worker took (the queue was unreachable,
or no worker runs) is handed to the queue again by the worker's sweep (``lost_jobs``). A page
load never re-queues or resets a job: it shows the truth (``status_of``), and only a person's
explicit retry (a POST) queues a lost or failed job again.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from webapp import after_commit, signals
from webapp.document import ReportDocument, render_document_html
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import Block, Publication, RenderJob, RenderKind, RenderState, Report, User
from webapp.models.base import utcnow
from webapp.services.reports.documents import build_document

STAGE_QUEUED = N_("Väntar på sin tur")
STAGE_BUILDING = N_("Bygger dokumentet")
STAGE_PAGINATING = N_("Sätter sidorna")
STAGE_WRITING = N_("Skriver PDF")
STAGE_CHECKING = N_("Kontrollerar tillgängligheten")
# The renderer's steps (webapp.document.pdf.render_pdf_in_stages) as the pages name them.
STAGES = {"parse": STAGE_BUILDING, "layout": STAGE_PAGINATING, "write": STAGE_WRITING}
STAGES_IN_CHILD = {**STAGES, "check": STAGE_CHECKING}
# Where a stage lies on the progress bar, out of PROGRESS_STEPS.
PROGRESS = {STAGE_QUEUED: 0, STAGE_BUILDING: 1, STAGE_PAGINATING: 2, STAGE_WRITING: 3, STAGE_CHECKING: 4}
PROGRESS_STEPS = 5
ACTIVE_STATES = frozenset({RenderState.QUEUED, RenderState.RUNNING, RenderState.DONE})


@dataclass(frozen=True)
class RenderSettings:
    """The RENDER_* settings (webapp.config says why each has its default)."""

    in_child_process: bool
    lease: timedelta
    max_attempts: int
    shutdown_grace_seconds: float
    queue_patience: timedelta
    keep_jobs: timedelta

    @classmethod
    def from_app(cls) -> RenderSettings:
        config = current_app.config
        return cls(
            in_child_process=bool(config.get("RENDER_IN_CHILD_PROCESS", True)),
            lease=timedelta(seconds=float(config.get("RENDER_LEASE_SECONDS", 60))),
            max_attempts=int(config.get("RENDER_MAX_ATTEMPTS", 3)),
            shutdown_grace_seconds=float(config.get("RENDER_SHUTDOWN_GRACE_SECONDS", 20)),
            queue_patience=timedelta(seconds=float(config.get("RENDER_QUEUE_PATIENCE_SECONDS", 30))),
            keep_jobs=timedelta(days=float(config.get("RENDER_JOBS_KEEP_DAYS", 30))),
        )


def worker_identity() -> str:
    """Who holds a lease: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


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


def lease_expired(job: RenderJob, now: datetime | None = None) -> bool:
    """A running job whose worker stopped renewing its lease: the worker is gone."""
    return job.state == RenderState.RUNNING and (job.lease_until is None or job.lease_until < (now or utcnow()))


def waited_too_long(job: RenderJob, settings: RenderSettings, now: datetime | None = None) -> bool:
    """A queued job no worker has taken: the queue was unreachable, or no worker is taking jobs."""
    if job.state != RenderState.QUEUED:
        return False
    handed_over = job.enqueued_at or job.created_at
    return bool(job.enqueue_error) or handed_over < (now or utcnow()) - settings.queue_patience


def is_stale(job: RenderJob, settings: RenderSettings | None = None) -> bool:
    """The job needs handing to the queue again (its worker died, or no worker took it)."""
    return lease_expired(job) or waited_too_long(job, settings or RenderSettings.from_app())


@dataclass(frozen=True)
class RenderStatus:
    """What a page says about a job: ``phase`` picks the panel's part, ``message`` explains."""

    phase: str  # done, failed, interrupted, waiting, unqueued, queued, running
    message: str = ""

    @property
    def offers_retry(self) -> bool:
        return self.phase in ("failed", "interrupted", "waiting", "unqueued")

    @property
    def tone(self) -> str:
        """The alert's look: an error, or news that the job waits."""
        return "error" if self.phase in ("failed", "interrupted") else "info"


MESSAGE_INTERRUPTED = N_("PDF:en avbröts innan den blev klar — försök igen.")
MESSAGE_UNQUEUED = N_(
    "Väntar på PDF-tjänsten: kön gick inte att nå. PDF:en skapas när kön fungerar igen, eller försök igen."
)
MESSAGE_WAITING = N_(
    "Väntar på PDF-tjänsten: den har inte tagit emot jobbet än. PDF:en skapas när tjänsten är igång, eller försök igen."
)


def status_of(job: RenderJob, settings: RenderSettings | None = None) -> RenderStatus:
    """The truth about ``job`` for the pages (the message is to be translated where shown)."""
    settings = settings or RenderSettings.from_app()
    if job.state == RenderState.DONE:
        return RenderStatus("done")
    if job.state == RenderState.FAILED:
        return RenderStatus("failed", job.error or "PDF:en kunde inte skapas.")
    if lease_expired(job):
        return RenderStatus("interrupted", MESSAGE_INTERRUPTED)
    if job.state == RenderState.QUEUED and job.enqueue_error:
        return RenderStatus("unqueued", MESSAGE_UNQUEUED)
    if waited_too_long(job, settings):
        return RenderStatus("waiting", MESSAGE_WAITING)
    return RenderStatus(str(job.state))


def request_final_render(report: Report, user: User) -> RenderJob | None:
    """The step after locking: start the final PDF now, so Publicera finds it ready."""
    return request_render(report.id, RenderKind.FINAL, user)


def request_render(report_id: int, kind: RenderKind, user: User, *, retry: bool = True) -> RenderJob | None:
    """The render job for the report's current content; None if there is no such report."""
    prepared = prepare_render(report_id, kind)
    return None if prepared is None else request_prepared(prepared, user, retry=retry)


def request_prepared(prepared: PreparedRender, user: User, *, retry: bool = True) -> RenderJob:
    """The job for ``prepared``, handed to the worker once the request commits if it is new or
    queued again.

    Without ``retry`` (a page load) an existing job is returned exactly as it is, whatever its
    state: looking never re-queues or resets anything (``status_of`` tells the truth instead).
    With ``retry`` (someone pressed a button) a job that is done, or queued or running in live
    hands, is returned as it is; a lost one (``is_stale``) or a failed one is queued again
    with its full number of attempts: a person decided to try again, so a render that kills
    every worker is tried ``RENDER_MAX_ATTEMPTS`` times per press of the button, never more.

    Should a concurrent request create the same job first, only this job's savepoint is
    rolled back (the request's other writes stand) and the other request's job returned.
    """
    job = find_job(prepared.kind, prepared.content_hash)
    if job is not None and (not retry or (job.state in ACTIVE_STATES and not is_stale(job))):
        return job
    try:
        with db.session.begin_nested():  # flushes the request's earlier writes first, outside it
            if job is None:
                job = RenderJob(report_id=prepared.report_id, kind=prepared.kind, content_hash=prepared.content_hash)
                db.session.add(job)
            now = utcnow()
            job.revision_ids, job.html = prepared.revision_ids, prepared.html
            job.state, job.stage, job.error = RenderState.QUEUED, STAGE_QUEUED, ""
            job.requested_by_id = user.id if user.is_authenticated else None
            job.created_at, job.started_at, job.finished_at, job.enqueued_at = now, None, None, now
            # Someone asked again: the job gets its full number of attempts (and no old lease).
            job.attempts, job.worker_id, job.lease_until, job.enqueue_error = 0, "", None, ""
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


MESSAGE_GAVE_UP = (
    "PDF:en kunde inte skapas: renderingen avbröts {attempts} gånger innan den blev klar "
    "(PDF-tjänsten stannade eller fick slut på minne eller diskutrymme). Ingenting har publicerats. "
    "Försök igen; om felet kvarstår, kontakta administratören."
)


def claim_job(job_id: int, worker_id: str, settings: RenderSettings) -> RenderJob | None:
    """Take the job to render it: a queued job, or a running one whose lease ran out (its worker
    died). One conditional UPDATE decides, so two workers never both take it. None if it is
    gone, done, failed or someone else's; a job taken more than ``max_attempts`` times fails.
    """
    now = utcnow()
    takeable = or_(
        RenderJob.state == RenderState.QUEUED,
        and_(
            RenderJob.state == RenderState.RUNNING,
            or_(RenderJob.lease_until.is_(None), RenderJob.lease_until < now),
        ),
    )
    taken = db.session.execute(
        update(RenderJob)
        .where(RenderJob.id == job_id, takeable)
        .values(
            state=RenderState.RUNNING,
            stage=STAGE_BUILDING,
            started_at=now,
            worker_id=worker_id,
            lease_until=now + settings.lease,
            attempts=RenderJob.attempts + 1,
            enqueue_error="",
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    job = db.session.get_one(RenderJob, job_id)
    db.session.refresh(job)
    if job.attempts > settings.max_attempts:
        fail_job(job_id, MESSAGE_GAVE_UP.format(attempts=job.attempts - 1))
        return None
    return job


def renew_lease(job: RenderJob, worker_id: str, settings: RenderSettings) -> bool:
    """Keep the job ours a lease longer; False if it is no longer ours (our lease ran out and
    another worker took it, or someone asked anew): then our render must not be stored."""
    renewed = db.session.execute(
        update(RenderJob)
        .where(RenderJob.id == job.id, RenderJob.state == RenderState.RUNNING, RenderJob.worker_id == worker_id)
        .values(lease_until=utcnow() + settings.lease)
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1  # type: ignore[attr-defined]


def hand_back(job_id: int, worker_id: str) -> bool:
    """The worker stops before the render finished: the job is queued again for the next
    worker, and this try does not count against it. False if it was not ours."""
    handed = db.session.execute(
        update(RenderJob)
        .where(RenderJob.id == job_id, RenderJob.state == RenderState.RUNNING, RenderJob.worker_id == worker_id)
        .values(
            state=RenderState.QUEUED,
            stage=STAGE_QUEUED,
            worker_id="",
            lease_until=None,
            enqueued_at=utcnow(),
            attempts=case((RenderJob.attempts > 0, RenderJob.attempts - 1), else_=0),
        )
        .execution_options(synchronize_session=False)
    )
    return handed.rowcount == 1  # type: ignore[attr-defined]


def job_html(job_id: int) -> str | None:
    return db.session.scalar(select(RenderJob.html).where(RenderJob.id == job_id))


def note_enqueued(job_id: int, error: str = "") -> None:
    """Record a hand-over to the queue, or (``error``) why it failed: the page tells the chair,
    and the worker's sweep hands the job over again once the queue answers."""
    db.session.execute(
        update(RenderJob)
        .where(RenderJob.id == job_id, RenderJob.state == RenderState.QUEUED)
        .values(enqueued_at=utcnow(), enqueue_error=error[:500])
        .execution_options(synchronize_session=False)
    )


def lost_jobs(settings: RenderSettings, *, starting: bool = False) -> list[tuple[int, float]]:
    """Jobs to hand to the queue again, each with a delay in seconds: running jobs whose lease
    ran out (now) and queued jobs that no worker took (now). When a worker is ``starting``,
    every queued job is handed over (the queue may have lost it with the last worker) and every
    running job is looked at again when its lease runs out (its worker may be the one that just
    died). A job handed over twice is rendered once: ``claim_job`` takes it only once.
    """
    now = utcnow()
    handed_over = func.coalesce(RenderJob.enqueued_at, RenderJob.created_at)
    queued = RenderJob.state == RenderState.QUEUED
    if not starting:
        queued = and_(queued, or_(RenderJob.enqueue_error != "", handed_over < now - settings.queue_patience))
    running = RenderJob.state == RenderState.RUNNING
    rows = db.session.execute(select(RenderJob.id, RenderJob.state, RenderJob.lease_until).where(or_(queued, running)))
    found = []
    for job_id, state, lease_until in rows:
        if state == RenderState.QUEUED or lease_until is None or lease_until < now:
            found.append((job_id, 0.0))
        elif starting:
            found.append((job_id, (lease_until - now).total_seconds() + 1))
    return found


def prune_jobs(settings: RenderSettings) -> int:
    """Delete finished jobs (and their PDFs) older than ``keep_jobs``, except the newest done one
    of each report and kind and any whose content was published (publications are other rows,
    never touched). Returns how many went."""
    cutoff = utcnow() - settings.keep_jobs
    newest = (
        select(func.max(RenderJob.id))
        .where(RenderJob.state == RenderState.DONE)
        .group_by(RenderJob.report_id, RenderJob.kind)
    )
    newest_ids = list(db.session.scalars(newest))
    published = exists().where(
        Publication.report_id == RenderJob.report_id, Publication.content_hash == RenderJob.content_hash
    )
    pruned = db.session.execute(
        delete(RenderJob)
        .where(
            RenderJob.state.in_([RenderState.DONE, RenderState.FAILED]),
            func.coalesce(RenderJob.finished_at, RenderJob.created_at) < cutoff,
            RenderJob.id.not_in(newest_ids),
            ~published,
        )
        .execution_options(synchronize_session=False)
    )
    return pruned.rowcount  # type: ignore[attr-defined]


def set_stage(job: RenderJob, stage: str) -> None:
    job.stage = stage
    db.session.flush()


def needs_accessibility_check(job: RenderJob) -> bool:
    """Final renders are what gets published: they must pass the accessibility check."""
    return job.kind == RenderKind.FINAL


def check_accessibility(pdf: bytes) -> None:
    """Raise RenderRefused with the problems the accessibility check finds, if any."""
    from webapp.document.accessibility import check_pdf

    refuse_if_inaccessible(check_pdf(pdf))


def refuse_if_inaccessible(problems: list[str] | tuple[str, ...]) -> None:
    """Raise RenderRefused naming what the accessibility check found, if anything."""
    if problems:
        raise RenderRefused("Tillgänglighetskontrollen hittade fel i PDF:en: " + "; ".join(problems))


def finish_job(job: RenderJob, pdf: bytes, page_count: int) -> None:
    job.pdf, job.sha256, job.size, job.page_count = pdf, hashlib.sha256(pdf).hexdigest(), len(pdf), page_count
    job.state, job.stage, job.error, job.finished_at = RenderState.DONE, "", "", utcnow()
    job.html, job.lease_until = None, None  # done: no worker needs the HTML again
    db.session.flush()


def fail_job(job_id: int, message: str) -> None:
    job = db.session.get(RenderJob, job_id)
    if job is None:
        return
    job.state, job.error, job.finished_at = RenderState.FAILED, message[:4000], utcnow()
    job.lease_until = None
    db.session.flush()


def failure_message(error: Exception) -> str:
    """What the chair reads when a render failed: what happened, and that nothing was published."""
    if isinstance(error, RenderRefused):
        return f"{error} Ingenting har publicerats."
    kind = getattr(error, "kind", type(error).__name__)  # a child process's error names its own
    detail = str(error).strip() or kind
    return (
        f"PDF:en kunde inte skapas ({kind}: {detail[:500]}). Ingenting har publicerats. "
        "Försök igen; om felet kvarstår, kontakta administratören."
    )


def progress_of(job: RenderJob) -> int:
    """The job's place on the progress bar, 0 … PROGRESS_STEPS."""
    if job.state in (RenderState.DONE, RenderState.FAILED):
        return PROGRESS_STEPS
    return PROGRESS.get(job.stage, 0)
