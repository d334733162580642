"""Is this instance ready to serve? The checks behind ``/readyz`` (webapp/views/health.py).

Each check reports what it saw, for an operator reading the JSON: the database answers a
``SELECT 1`` within ``READY_DEADLINE`` seconds, the queue's storage answers (SQLite file or
Redis), the worker's heartbeat is recent, and the disk holding the instance folder has room.
The database and queue checks run side by side in threads and are waited for only until the
deadline, so a database or Redis that stops answering turns /readyz red in about that time
instead of holding the request (the abandoned thread ends with the driver's own timeout).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from webapp import tasks

MEGABYTE = 1024 * 1024


@dataclass
class Check:
    ok: bool
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.details}


def _within(deadline: float, probe: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``probe`` in a daemon thread; its result, or raise TimeoutError after ``deadline`` s."""
    outcome: dict[str, Any] = {}
    started = time.perf_counter()

    def run() -> None:
        try:
            outcome["value"] = probe()
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    thread = threading.Thread(target=run, name="readiness-check", daemon=True)
    thread.start()
    thread.join(deadline)
    seconds = round(time.perf_counter() - started, 3)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {deadline:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value"), seconds


def _failure(error: BaseException) -> dict[str, Any]:
    return {"error": f"{type(error).__name__}: {str(error).strip()[:200]}"}


def check_database(engine: Engine, deadline: float) -> Check:
    def probe() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        _, seconds = _within(deadline, probe)
    except Exception as error:
        return Check(False, _failure(error))
    return Check(True, {"seconds": seconds})


def check_queue_and_worker(app: Flask, deadline: float) -> tuple[Check, Check]:
    """The queue answers (reading the worker's heartbeat from it proves that) and the heartbeat
    is younger than READY_WORKER_MAX_AGE. In immediate mode (tests) there is no queue."""
    if app.config.get("HUEY_IMMEDIATE"):
        skipped = Check(True, {"skipped": "tasks run in-process (HUEY_IMMEDIATE)"})
        return skipped, skipped
    try:
        beat, seconds = _within(deadline, tasks.last_heartbeat)
    except Exception as error:
        return Check(False, _failure(error)), Check(False, {"error": "the queue did not answer"})
    queue = Check(True, {"seconds": seconds})
    max_age = float(app.config["READY_WORKER_MAX_AGE"])
    if max_age <= 0:
        return queue, Check(True, {"skipped": "READY_WORKER_MAX_AGE is 0"})
    if not beat:
        return queue, Check(False, {"error": "no heartbeat: is the worker running?"})
    age = round(time.time() - float(beat["at"]), 1)
    return queue, Check(age <= max_age, {"age_seconds": age, "max_age_seconds": max_age})


def check_disk(path: str, min_free_mb: float) -> Check:
    try:
        free_mb = round(shutil.disk_usage(path).free / MEGABYTE, 1)
    except OSError as error:
        return Check(False, _failure(error))
    return Check(free_mb >= min_free_mb, {"free_mb": free_mb, "min_free_mb": min_free_mb})


def readiness(app: Flask, engine: Engine) -> dict[str, Check]:
    deadline = float(app.config["READY_DEADLINE"])
    checks: dict[str, Check] = {}
    database = threading.Thread(target=lambda: checks.__setitem__("database", check_database(engine, deadline)))
    database.start()  # side by side with the queue: the slowest, not the sum, bounds the answer
    checks["queue"], checks["worker"] = check_queue_and_worker(app, deadline)
    checks["disk"] = check_disk(app.config["READY_DISK_PATH"], float(app.config["READY_MIN_FREE_MB"]))
    database.join()
    return checks
