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
from collections.abc import Mapping
from datetime import date
from email.message import EmailMessage

from flask import Flask, current_app, has_request_context, request
from flask.ctx import AppContext
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

from webapp import signals
from webapp.config import INSTANCE_DIR
from webapp.extensions import db
from webapp.services import mail
from webapp.services.notifications import deadline_reminders, send_notification_mail
from webapp.services.publishing import rendering

logger = logging.getLogger(__name__)

QUEUE_NAME = "iop-rapport"
# Deadline reminders go out once a day, in the morning (local time of the worker).
REMINDER_SCHEDULE = crontab(hour="7", minute="0")
REMINDER_DAYS = 7


def make_huey(environ: Mapping[str, str] = os.environ) -> Huey:
    """Redis when a Redis URL is configured, else SQLite in the instance folder."""
    redis_url = environ.get("HUEY_REDIS_URL") or environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey(QUEUE_NAME, url=redis_url, results=False)
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
def render_pdf_task(job_id: int, html: str) -> None:
    """Render job ``job_id`` from ``html`` (the exact HTML its content hash was made from)."""
    with _fresh_app_context():
        run_render_job(job_id, html)


def run_render_job(job_id: int, html: str) -> None:
    """Render, check and store one job, committing after every stage so pages see the progress.

    Any exception leaves the job failed with a message the chair can read; a publication
    only ever takes the bytes of a job that is done.
    """
    from webapp.document.pdf import render_pdf_in_stages  # WeasyPrint: loaded by the worker only

    job = rendering.start_job(job_id)
    if job is None:  # already done (a repeated hand-over), or gone
        db.session.rollback()
        return
    db.session.commit()

    def enter(stage: str) -> None:
        rendering.set_stage(job, stage)
        db.session.commit()

    try:
        pdf, page_count = render_pdf_in_stages(html, lambda step: enter(rendering.STAGES[step]))
        if rendering.needs_accessibility_check(job):
            enter(rendering.STAGE_CHECKING)
            rendering.check_accessibility(pdf)
        rendering.finish_job(job, pdf, page_count)
        db.session.commit()
    except Exception as error:
        if isinstance(error, rendering.RenderRefused):
            logger.warning("Render job %s refused: %s", job_id, error)
        else:
            logger.exception("Render job %s failed", job_id)
        db.session.rollback()
        rendering.fail_job(job_id, rendering.failure_message(error))
        db.session.commit()


def _queue_render(_sender: object, *, job_id: int, html: str) -> None:
    enqueue(render_pdf_task, job_id, html)


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
