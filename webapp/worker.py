"""The background worker: full-report PDF renders, one at a time, away from the web workers.

A render takes a whole core for seconds; done inside a request it would halve everyone
else's save throughput. So renders are Huey tasks:

- by default Huey keeps its queue in a SQLite file, ``instance/huey.sqlite3``
  (``HUEY_SQLITE_PATH`` moves it), shared by the web server and the consumer;
- with ``HUEY_REDIS_URL`` (or ``REDIS_URL``) set, the queue lives in Redis (production);
- with ``HUEY_IMMEDIATE`` in the app's config (the tests), a task runs at once, in-process.

The consumer runs with one worker thread (renders never overlap):
``python -m webapp.worker``; ``make run`` starts it beside ``flask run``. The storage is
chosen from the environment when this module is imported, so the web server and the
consumer, started with the same environment, always share one queue.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey

from webapp.config import INSTANCE_DIR

logger = logging.getLogger(__name__)

QUEUE_NAME = "iop-rapport"
# One worker thread: renders never overlap. The SQLite queue is polled: from 0.1 s backing off
# to at most 0.5 s, so a render asked for after a quiet spell starts within half a second
# (Redis blocks instead of polling).
CONSUMER_OPTIONS = {"workers": 1, "worker_type": "thread", "initial_delay": 0.1, "backoff": 1.15, "max_delay": 0.5}
# A render is a background chore: the worker runs at the lowest CPU priority (SCHED_IDLE where
# Linux offers it, else this niceness), so the web server's requests get the CPU first and a
# render uses what they leave (bench/publish_wait.py measures the effect on saves).
WORKER_NICENESS = 19


def make_huey(environ: Mapping[str, str] = os.environ) -> Huey:
    """Redis when a Redis URL is configured, else SQLite in the instance folder."""
    redis_url = environ.get("HUEY_REDIS_URL") or environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey(QUEUE_NAME, url=redis_url, results=False)
    path = environ.get("HUEY_SQLITE_PATH") or str(INSTANCE_DIR / "huey.sqlite3")
    return SqliteHuey(QUEUE_NAME, filename=path, results=False)


huey = make_huey()


@functools.cache
def _consumer_app() -> Flask:
    """The app the consumer's tasks run in, created once per consumer process."""
    from webapp import create_app

    return create_app()


def _task_app() -> Flask:
    # In immediate mode the task runs inside the requesting app; in the consumer there is none yet.
    return current_app._get_current_object() if has_app_context() else _consumer_app()  # type: ignore[attr-defined]


@huey.task()
def render_pdf_task(job_id: int, html: str) -> None:
    """Render job ``job_id`` from ``html`` (the exact HTML its content hash was made from).

    A fresh app context gives the task its own database session, also when it runs
    in-process right after a request's commit (immediate mode).
    """
    with _task_app().app_context():
        run_render_job(job_id, html)


def run_render_job(job_id: int, html: str) -> None:
    """Render, check and store one job, committing after every stage so pages see the progress.

    Any exception leaves the job failed with a message the chair can read; a publication
    only ever takes the bytes of a job that is done.
    """
    from webapp.document.pdf import render_pdf_in_stages
    from webapp.extensions import db
    from webapp.services import rendering

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


def enqueue_render(job_id: int, html: str) -> None:
    """Hand a committed job to the worker (or, in immediate mode, render it now)."""
    if has_app_context() and current_app.config.get("HUEY_IMMEDIATE"):
        render_pdf_task.call_local(job_id, html)
    else:
        render_pdf_task(job_id, html)


def lower_cpu_priority() -> str:
    """Make this process yield the CPU to everything else; says which way it did."""
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return "SCHED_IDLE"
        except OSError:
            pass
    os.nice(WORKER_NICENESS - os.nice(0))
    return f"nice {os.nice(0)}"


def run_consumer() -> None:
    """Run the Huey consumer in the foreground, one render at a time, until Ctrl+C / SIGTERM."""
    from huey.consumer_options import ConsumerConfig

    priority = lower_cpu_priority()
    config = ConsumerConfig(**CONSUMER_OPTIONS)
    config.validate()
    for name in ("huey", "webapp"):
        config.setup_logger(logging.getLogger(name))
    _consumer_app()  # fail at start, not at the first task, if the app cannot be created
    import webapp.document.pdf  # noqa: F401  (loading WeasyPrint takes a second: not in the first render)

    storage = "Redis" if isinstance(huey, RedisHuey) else huey.storage.filename
    logger.info("IOP-rapport worker: one PDF render at a time, CPU priority %s, queue in %s", priority, storage)
    huey.create_consumer(**config.values).run()


if __name__ == "__main__":
    # Run the module under its own name: tasks are registered as "webapp.worker.…", the
    # names the web server enqueues, not "__main__.…".
    from webapp import worker

    worker.run_consumer()
