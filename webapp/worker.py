"""The background worker: ``python -m webapp.worker`` runs the Huey consumer of ``webapp.tasks``.

One worker thread: renders never overlap, and the deadline reminders run from the same
consumer once a day. ``make run`` starts it beside ``flask run``. The consumer creates the
app once and its worker thread works inside that app's context, so the tasks find their
configuration and database the way a request does.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time

from flask import Flask
from huey import RedisHuey

from webapp import create_app, tasks
from webapp.services.publishing import render_process
from webapp.tasks import huey

logger = logging.getLogger(__name__)

# The SQLite queue is polled: from 0.1 s backing off to at most 0.5 s, so a render asked for
# after a quiet spell starts within half a second (Redis blocks instead of polling).
CONSUMER_OPTIONS = {"workers": 1, "worker_type": "thread", "initial_delay": 0.1, "backoff": 1.15, "max_delay": 0.5}
# SIGTERM (what systemd and container runtimes send) stops gracefully: Huey's default would stop
# at once and leave the running render's job behind. A render gets RENDER_SHUTDOWN_GRACE_SECONDS
# to finish, then its job goes back to the queue (webapp.tasks.run_render_job); Huey waits this
# much longer for that before it gives up. SIGINT (Ctrl+C) stops at once.
GRACEFUL_STOP = {"graceful_signal": "TERM"}
SHUTDOWN_MARGIN_SECONDS = 10
# A render is a background chore: the worker runs at the lowest CPU priority (SCHED_IDLE where
# Linux offers it, else this niceness), so the web server's requests get the CPU first and a
# render uses what they leave (bench/publish_wait.py measures the effect on saves).
WORKER_NICENESS = 19


@functools.cache
def consumer_app() -> Flask:
    """The app the consumer's tasks run in, created once per consumer process."""
    return create_app()


@huey.on_startup()
def enter_app_context() -> None:
    """Runs in each worker thread as it starts: the tasks' ``current_app`` is the consumer's app."""
    consumer_app().app_context().push()


def start_heartbeat() -> None:
    """Beat every WORKER_HEARTBEAT_SECONDS while this process lives: /readyz reads the beat.

    A daemon thread, so a long render does not silence it; a worker that died stops beating.
    Started by run_consumer, once per worker process (not per consumer thread: a consumer the
    tests start inside their own process must not leave a beat behind)."""
    interval = float(consumer_app().config["WORKER_HEARTBEAT_SECONDS"])
    threading.Thread(target=_beat, args=(interval,), name="heartbeat", daemon=True).start()


def _beat(interval: float) -> None:
    while True:
        try:
            tasks.record_heartbeat()
        except Exception:  # the queue is away: /readyz says so; keep beating for when it is back
            logger.warning("Could not record the worker's heartbeat", exc_info=True)
        time.sleep(interval)


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


def configure_worker_logging(config, *, json_logs: bool) -> None:
    """Huey's and the app's loggers at the consumer's level, written once.

    With JSON logs the root handler (webapp/request_log.py) already writes every record;
    Huey's own handler would repeat each line as plain text.
    """
    for name in ("huey", "webapp"):
        if json_logs:
            logging.getLogger(name).setLevel(config.loglevel)
        else:
            config.setup_logger(logging.getLogger(name))


def run_consumer() -> None:
    """Run the Huey consumer in the foreground, one task at a time, until Ctrl+C / SIGTERM."""
    from huey.consumer_options import ConsumerConfig

    priority = lower_cpu_priority()
    render_process.keep_large_blocks_apart()  # a render's megabytes go back to the kernel when freed
    grace = float(consumer_app().config.get("RENDER_SHUTDOWN_GRACE_SECONDS", 20))
    config = ConsumerConfig(**CONSUMER_OPTIONS, **GRACEFUL_STOP, shutdown_timeout=grace + SHUTDOWN_MARGIN_SECONDS)
    config.validate()
    configure_worker_logging(config, json_logs=consumer_app().config.get("LOG_FORMAT") == "json")
    if consumer_app().config.get("RENDER_IN_CHILD_PROCESS", True):
        render_process.warm_up()  # the forkserver loads WeasyPrint once; each render forks from it
    else:
        import webapp.document.pdf  # noqa: F401  (loading WeasyPrint takes a second: not in the first render)

    storage = "Redis" if isinstance(huey, RedisHuey) else huey.storage.filename
    logger.info("IOP-rapport worker: one task at a time, CPU priority %s, queue in %s", priority, storage)
    consumer = huey.create_consumer(**config.values)
    # Huey sets its signal handlers only after its worker thread has started, which may already
    # have taken a job: a SIGTERM in between would kill the process instead of stopping it.
    consumer._set_signal_handlers()
    tasks.stop_renders_on(consumer.stop_flag)
    start_heartbeat()
    _recover_render_jobs()
    consumer.run()


def _recover_render_jobs() -> None:
    """Jobs the last worker left behind (killed mid-render, or never handed over) go to the queue."""
    with consumer_app().app_context():
        try:
            tasks.recover_render_jobs(starting=True)
        except Exception:  # a queue or database not there yet: the sweep each minute tries again
            logger.exception("Could not look for lost render jobs at start-up")


if __name__ == "__main__":
    run_consumer()
