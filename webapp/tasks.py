"""The background worker's tasks: full-report PDF renders and e-mail, away from the web workers.

A render takes a whole core for seconds; done inside a request it would halve everyone
else's save throughput, and an SMTP server that hangs must never hold a request. So both are
Huey tasks:

- by default Huey keeps its queue in a SQLite file, ``instance/huey.sqlite3``
  (``HUEY_SQLITE_PATH`` moves it), shared by the web server and the consumer;
- with ``HUEY_REDIS_URL`` (or ``REDIS_URL``) set, the queue lives in Redis (production);
- with ``HUEY_IMMEDIATE`` in the app's config (the tests), a task runs at once, in-process.

Services never import this module: they announce committed work through ``webapp.signals``
and the receivers below put it on the queue. The consumer itself is ``webapp.worker``. The
storage is chosen from the environment when this module is imported, so the web server and
the consumer, started with the same environment, always share one queue.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from datetime import date
from email.message import EmailMessage

from flask import Flask, current_app, has_request_context, request
from flask.ctx import AppContext
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from redis import ConnectionPool

from webapp import signals
from webapp.config import INSTANCE_DIR, redis_timeouts
from webapp.extensions import db
from webapp.services import mail
from webapp.services.notifications import deadline_reminders, send_notification_mail
from webapp.services.publishing import render_process, rendering

logger = logging.getLogger(__name__)

QUEUE_NAME = "iop-rapport"
# Deadline reminders go out once a day, in the morning (local time of the worker).
REMINDER_SCHEDULE = crontab(hour="7", minute="0")
REMINDER_DAYS = 7
# Lost render jobs are looked for every minute; old ones pruned each night.
RENDER_SWEEP_SCHEDULE = crontab(minute="*")
RENDER_PRUNE_SCHEDULE = crontab(hour="3", minute="30")


def make_huey(environ: Mapping[str, str] = os.environ) -> Huey:
    """Redis when a Redis URL is configured, else SQLite in the instance folder."""
    redis_url = environ.get("HUEY_REDIS_URL") or environ.get("REDIS_URL")
    if redis_url:
        # Timeouts: an unanswering Redis fails an enqueue in seconds instead of holding the request.
        pool = ConnectionPool.from_url(redis_url, **redis_timeouts(environ))
        return RedisHuey(QUEUE_NAME, connection_pool=pool, results=False)
    path = environ.get("HUEY_SQLITE_PATH") or str(INSTANCE_DIR / "huey.sqlite3")
    return SqliteHuey(QUEUE_NAME, filename=path, results=False)


huey = make_huey()


def _fresh_app_context() -> AppContext:
    """A new context of the running app: the task gets its own database session, also when it
    runs in-process right after a request's commit (immediate mode). In the consumer the app
    is the one ``webapp.worker`` pushed when its worker thread started."""
    return current_app._get_current_object().app_context()  # type: ignore[attr-defined]


def enqueue(task: TaskWrapper, *args: object) -> None:
    """Put ``task`` on the queue (or, in immediate mode, run it now)."""
    if current_app.config.get("HUEY_IMMEDIATE"):
        task.call_local(*args)
    else:
        task(*args)


def init_app(app: Flask) -> None:
    """Connect the receivers that put committed work on the queue (blinker connects each once)."""
    signals.render_job_queued.connect(_queue_render)
    signals.mail_ready.connect(_queue_mail)
    signals.notifications_committed.connect(_queue_notification_mail)


# --- Renders ------------------------------------------------------------------------------------


@huey.task()
def render_pdf_task(job_id: int, html: str | None = None) -> None:
    """Render job ``job_id`` from ``html`` (the exact HTML its content hash was made from; the
    sweep hands a job over without it, and the worker reads the HTML kept on the job)."""
    try:
        with _fresh_app_context():
            run_render_job(job_id, html)
    finally:
        render_process.release_freed_memory()  # the worker's memory returns to its baseline


# Set while the consumer stops (webapp.worker hands its stop flag here): a render then gets
# RENDER_SHUTDOWN_GRACE_SECONDS to finish before its job is handed back to the queue.
_stopping: threading.Event | None = None


def stop_renders_on(flag: threading.Event) -> None:
    global _stopping
    _stopping = flag


class _LeaseLost(Exception):
    """Another worker took the job (our lease ran out): our render must not be stored."""


def run_render_job(job_id: int, html: str | None = None) -> None:
    """Render, check and store one job, committing after every stage so pages see the progress,
    and renewing the job's lease while the render runs (see rendering's module docstring).

    Any exception leaves the job failed with a message the chair can read; a publication
    only ever takes the bytes of a job that is done. A worker that stops mid-render hands the
    job back; one that dies leaves a lease that runs out, and the next worker takes the job.
    """
    settings = rendering.RenderSettings.from_app()
    worker_id = rendering.worker_identity()
    job = rendering.claim_job(job_id, worker_id, settings)
    db.session.commit()
    if job is None:  # already done or taken (a repeated hand-over), gone, or failed too often
        return
    html = html or rendering.job_html(job_id)

    def enter(stage: str) -> None:
        rendering.set_stage(job, stage)
        keep_lease()

    def keep_lease() -> None:
        if not rendering.renew_lease(job, worker_id, settings):
            raise _LeaseLost
        db.session.commit()

    try:
        if not html:
            raise RuntimeError("the job has no HTML to render")
        if settings.in_child_process:
            result = render_process.render_in_child(
                html,
                check=rendering.needs_accessibility_check(job),
                on_stage=lambda step: enter(rendering.STAGES_IN_CHILD[step]),
                on_tick=keep_lease,
                tick_seconds=max(settings.lease.total_seconds() / 4, 0.2),
                stop=_stopping,
                grace_seconds=settings.shutdown_grace_seconds,
            )
            pdf, page_count = result.pdf, result.page_count
            rendering.refuse_if_inaccessible(result.problems)
        else:  # in this process (the tests: their spies see the render)
            from webapp.document.pdf import render_pdf_in_stages  # WeasyPrint: loaded by the worker only

            pdf, page_count = render_pdf_in_stages(html, lambda step: enter(rendering.STAGES[step]))
            if rendering.needs_accessibility_check(job):
                enter(rendering.STAGE_CHECKING)
                rendering.check_accessibility(pdf)
        keep_lease()  # still ours, a lease longer: store it
        rendering.finish_job(job, pdf, page_count)
        db.session.commit()
    except _LeaseLost:
        logger.warning("Render job %s: another worker took it over; this render is dropped", job_id)
        db.session.rollback()
    except render_process.RenderAbandoned:
        logger.warning("Render job %s: the worker is stopping; the job goes back to the queue", job_id)
        db.session.rollback()
        if rendering.hand_back(job_id, worker_id):
            db.session.commit()
            _hand_over(job_id)
    except Exception as error:
        if isinstance(error, rendering.RenderRefused):
            logger.warning("Render job %s refused: %s", job_id, error)
        else:
            logger.exception("Render job %s failed", job_id)
        db.session.rollback()
        rendering.fail_job(job_id, rendering.failure_message(error))
        db.session.commit()


def _hand_over(job_id: int, html: str | None = None, delay: float = 0.0) -> None:
    """Put a render job on the queue; when the queue cannot be reached, the job says so (the
    pages show it) and the sweep tries again. Runs in a session of its own."""
    with _fresh_app_context():
        try:
            if delay > 0 and not current_app.config.get("HUEY_IMMEDIATE"):
                render_pdf_task.schedule((job_id, html), delay=delay)
            else:
                enqueue(render_pdf_task, job_id, html)
        except Exception as error:
            logger.exception("Render job %s could not be put on the queue", job_id)
            rendering.note_enqueued(job_id, f"{type(error).__name__}: {error}")
            db.session.commit()


def recover_render_jobs(*, starting: bool = False) -> int:
    """Hand lost render jobs to the queue again (see ``rendering.lost_jobs``); how many."""
    with _fresh_app_context():
        lost = rendering.lost_jobs(rendering.RenderSettings.from_app(), starting=starting)
        for job_id, _delay in lost:
            rendering.note_enqueued(job_id)
        db.session.commit()
    for job_id, delay in lost:
        _hand_over(job_id, delay=delay)
    if lost:
        logger.info("Render jobs handed to the queue again: %s", [job_id for job_id, _ in lost])
    return len(lost)


@huey.periodic_task(RENDER_SWEEP_SCHEDULE)
def recover_render_jobs_task() -> None:
    """Every minute: jobs whose worker died, or that no worker took, go to the queue again."""
    recover_render_jobs()


@huey.periodic_task(RENDER_PRUNE_SCHEDULE)
def prune_render_jobs_task() -> None:
    """Each night: old render jobs and their PDFs go (RENDER_JOBS_KEEP_DAYS); publications stay."""
    with _fresh_app_context():
        pruned = rendering.prune_jobs(rendering.RenderSettings.from_app())
        db.session.commit()
    logger.info("Pruned %s old render jobs", pruned)


def _queue_render(_sender: object, *, job_id: int, html: str) -> None:
    _hand_over(job_id, html)


# --- E-mail -------------------------------------------------------------------------------------


@huey.task()
def send_mail_task(messages: list[EmailMessage]) -> None:
    """Send link mail (invitations, password resets); a failure is logged, never retried blindly."""
    with _fresh_app_context():
        try:
            mail.send_messages(messages)
        except Exception:
            # The recipients only; the messages hold the links.
            logger.exception("Kunde inte skicka länk-e-post till %s", [m["To"] for m in messages])


@huey.task()
def send_notification_mail_task(notification_ids: list[int], base_url: str | None) -> None:
    with _fresh_app_context():
        send_notification_mail(notification_ids, base_url)


def _queue_mail(_sender: object, *, messages: list[EmailMessage]) -> None:
    enqueue(send_mail_task, messages)


def _queue_notification_mail(_sender: object, *, notification_ids: list[int]) -> None:
    # The links in the mail point at the site the request came to (none from the CLI or worker).
    base_url = request.host_url if has_request_context() else None
    enqueue(send_notification_mail_task, notification_ids, base_url)


@huey.periodic_task(REMINDER_SCHEDULE)
def deadline_reminders_task() -> None:
    """Each morning: remind writers of unsubmitted blocks whose deadline is near (no cron entry needed)."""
    with _fresh_app_context():
        deadline_reminders(date.today(), days=REMINDER_DAYS)
        db.session.commit()


# --- The worker's heartbeat ---------------------------------------------------------------------

HEARTBEAT_KEY = "worker-heartbeat"


def record_heartbeat() -> None:
    """The consumer says it is alive, in the queue's own storage (SQLite file or Redis): /readyz
    reads it back, which also proves the queue answers."""
    huey.put(HEARTBEAT_KEY, {"at": time.time(), "pid": os.getpid()})


def last_heartbeat() -> dict | None:
    """The consumer's latest heartbeat ({"at": epoch seconds, "pid": …}), None if there is none."""
    return huey.get(HEARTBEAT_KEY, peek=True)
