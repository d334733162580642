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

from flask import Flask
from huey import RedisHuey

from webapp import create_app
from webapp.tasks import huey

logger = logging.getLogger(__name__)

# The SQLite queue is polled: from 0.1 s backing off to at most 0.5 s, so a render asked for
# after a quiet spell starts within half a second (Redis blocks instead of polling).
CONSUMER_OPTIONS = {"workers": 1, "worker_type": "thread", "initial_delay": 0.1, "backoff": 1.15, "max_delay": 0.5}
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
    """Run the Huey consumer in the foreground, one task at a time, until Ctrl+C / SIGTERM."""
    from huey.consumer_options import ConsumerConfig

    priority = lower_cpu_priority()
    config = ConsumerConfig(**CONSUMER_OPTIONS)
    config.validate()
    for name in ("huey", "webapp"):
        config.setup_logger(logging.getLogger(name))
    consumer_app()  # fail at start, not at the first task, if the app cannot be created
    import webapp.document.pdf  # noqa: F401  (loading WeasyPrint takes a second: not in the first render)

    storage = "Redis" if isinstance(huey, RedisHuey) else huey.storage.filename
    logger.info("IOP-rapport worker: one task at a time, CPU priority %s, queue in %s", priority, storage)
    huey.create_consumer(**config.values).run()


if __name__ == "__main__":
    run_consumer()
