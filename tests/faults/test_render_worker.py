"""The real PDF worker killed mid-render: the render still completes, nothing stays stuck.

Each test starts ``python -m webapp.worker`` as its own process on the suite's database, with
its queue in Redis database 13 of 127.0.0.1:6379 (no other test uses it; flushed before and
after), and asks for a draft PDF through the web app as a person would. The workers run with a
two-second lease, so a job whose worker was killed is taken up again within seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from tests.integration.helpers import post
from tests.integration.publishing_helpers import OPEN_REPORT_ID, WRITER
from webapp.config import PROJECT_ROOT
from webapp.extensions import db
from webapp.models import RenderJob, RenderState
from webapp.services.publishing import render_process

REDIS_URL = "redis://127.0.0.1:6379/13"
LEASE_SECONDS = 2
RENDER_TIMEOUT = 60


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis on 127.0.0.1:6379 is required in CI")
        pytest.skip("no Redis on 127.0.0.1:6379 (a failure when CI is set)")


@pytest.fixture
def queue(app, demo, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The web app hands renders to the Redis queue the workers below read, instead of running
    them in the request; no render job is left from earlier tests."""
    _redis_or_skip()
    from webapp import tasks

    redis_huey = tasks.make_huey({"HUEY_REDIS_URL": REDIS_URL})
    redis_huey.storage.flush_all()
    monkeypatch.setitem(app.config, "HUEY_IMMEDIATE", False)
    monkeypatch.setattr(tasks.huey, "storage", redis_huey.storage)
    _clear_jobs(app)
    yield
    redis_huey.storage.flush_all()
    _clear_jobs(app)


def _clear_jobs(app) -> None:
    with app.app_context():
        db.session.execute(delete(RenderJob))
        db.session.commit()
        db.session.remove()


@contextmanager
def worker(app, tmp_path: Path, *, grace: float = 20.0) -> Iterator[subprocess.Popen]:
    """A real worker process; killed at the end if it still runs."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "fault-tests",
        "HUEY_REDIS_URL": REDIS_URL,
        "RENDER_LEASE_SECONDS": str(LEASE_SECONDS),
        "RENDER_SHUTDOWN_GRACE_SECONDS": str(grace),
        "RENDER_QUEUE_PATIENCE_SECONDS": "5",
    }
    env.pop("REDIS_URL", None)
    log = (tmp_path / f"worker-{time.monotonic_ns()}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.worker"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        log.close()


def _job(app) -> RenderJob:
    with app.app_context():
        job = db.session.scalars(select(RenderJob)).one()
        db.session.expunge(job)
        db.session.remove()
    return job


def _wait_for(app, states: set[RenderState], timeout: float = RENDER_TIMEOUT) -> RenderJob:
    deadline = time.monotonic() + timeout
    while True:
        job = _job(app)
        if job.state in states:
            return job
        assert time.monotonic() < deadline, f"job still {job.state} ({job.stage!r}, {job.error!r})"
        time.sleep(0.05)


def _request_draft(signed_in) -> tuple[object, str]:
    client = signed_in(WRITER)
    response = post(client, f"/reports/{OPEN_REPORT_ID}/draft-pdf")
    assert response.status_code == 302
    return client, response.headers["Location"]


def test_a_worker_killed_mid_render_leaves_a_job_the_next_worker_completes(app, signed_in, queue, tmp_path):
    _request_draft(signed_in)
    with worker(app, tmp_path) as first:
        running = _wait_for(app, {RenderState.RUNNING})
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert _job(app).state == RenderState.RUNNING  # left behind, its lease still running out
    started = time.monotonic()
    with worker(app, tmp_path):
        done = _wait_for(app, {RenderState.DONE, RenderState.FAILED})
    assert done.state == RenderState.DONE, done.error
    assert done.attempts == 2 and done.worker_id != running.worker_id and done.page_count
    print(f"SIGKILL: render done {time.monotonic() - started:.1f} s after the new worker started")


def test_sigterm_hands_the_running_job_back_and_the_next_worker_completes_it(app, signed_in, queue, tmp_path):
    _request_draft(signed_in)
    with worker(app, tmp_path, grace=0.5) as first:
        _wait_for(app, {RenderState.RUNNING})
        stopped = time.monotonic()
        first.send_signal(signal.SIGTERM)
        assert first.wait(20) == 0  # a clean exit, not a kill
    handed_back = _job(app)
    assert (handed_back.state, handed_back.worker_id, handed_back.lease_until) == (RenderState.QUEUED, "", None)
    assert handed_back.attempts == 0  # being stopped does not count against the job
    print(f"SIGTERM: worker gone {time.monotonic() - stopped:.1f} s after the signal")
    with worker(app, tmp_path):
        done = _wait_for(app, {RenderState.DONE, RenderState.FAILED})
    assert done.state == RenderState.DONE, done.error


def test_sigterm_lets_a_render_finish_within_the_grace_period(app, signed_in, queue, tmp_path):
    _request_draft(signed_in)
    with worker(app, tmp_path, grace=RENDER_TIMEOUT) as first:
        _wait_for(app, {RenderState.RUNNING})
        first.send_signal(signal.SIGTERM)
        assert first.wait(RENDER_TIMEOUT) == 0
    done = _job(app)
    assert done.state == RenderState.DONE, done.error


def test_an_interrupted_job_is_reported_and_its_retry_works(app, signed_in, queue, tmp_path):
    client, location = _request_draft(signed_in)
    with worker(app, tmp_path) as first:
        _wait_for(app, {RenderState.RUNNING})
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    time.sleep(LEASE_SECONDS + 0.5)  # its lease runs out
    page = client.get(location).get_data(as_text=True)
    assert "PDF:en avbröts innan den blev klar — försök igen." in page
    assert post(client, f"/reports/{OPEN_REPORT_ID}/draft-pdf").headers["Location"] == location
    assert _job(app).state == RenderState.QUEUED  # queued anew, a whole set of attempts
    with worker(app, tmp_path):
        done = _wait_for(app, {RenderState.DONE, RenderState.FAILED})
    assert done.state == RenderState.DONE and done.attempts == 1, done.error
    assert "Ladda ner utkastet som PDF" in client.get(location).get_data(as_text=True)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_queue_is_reported_and_the_worker_recovers_the_job(
    app, signed_in, queue, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    from webapp import tasks

    working = tasks.huey.storage
    nowhere = tasks.make_huey({"HUEY_REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/13"})
    monkeypatch.setattr(tasks.huey, "storage", nowhere.storage)
    client, location = _request_draft(signed_in)  # answered: the job is stored, the hand-over failed
    job = _job(app)
    assert job.state == RenderState.QUEUED and "ConnectionError" in job.enqueue_error
    assert "Väntar på PDF-tjänsten: kön gick inte att nå." in client.get(location).get_data(as_text=True)

    monkeypatch.setattr(tasks.huey, "storage", working)  # Redis is back
    with worker(app, tmp_path):  # its start-up sweep hands the job over
        done = _wait_for(app, {RenderState.DONE, RenderState.FAILED})
    assert done.state == RenderState.DONE and done.enqueue_error == "", done.error


# --- The child process ------------------------------------------------------------------------------

SMALL_HTML = (
    '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>T</title></head><body><p>x</p></body></html>'
)


def test_a_render_child_that_is_killed_fails_the_render_instead_of_hanging(app_ctx):
    """The kernel's OOM killer sends SIGKILL: the worker hears of it at once."""
    children = []

    def kill_at_layout(step: str) -> None:
        if step == "layout":
            os.kill(children[0], signal.SIGKILL)

    started = time.monotonic()
    with pytest.raises(render_process.RenderProcessError, match="killed by signal 9") as failed:
        render_process.render_in_child(
            SMALL_HTML * 2000,
            check=False,
            on_stage=kill_at_layout,
            on_tick=lambda: None,
            tick_seconds=0.2,
            on_start=children.append,
        )
    assert failed.value.kind == "RenderProcessDied" and time.monotonic() - started < 30
    ok = render_process.render_in_child(
        SMALL_HTML, check=True, on_stage=lambda s: None, on_tick=lambda: None, tick_seconds=1
    )
    assert ok.pdf.startswith(b"%PDF") and ok.page_count == 1
