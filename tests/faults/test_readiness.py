"""/healthz says the process is alive and touches nothing; /readyz says whether this instance can
serve: database, queue, worker heartbeat, disk. A real worker process records the heartbeat."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from huey import SqliteHuey

from webapp import create_app, tasks
from webapp.config import PROJECT_ROOT
from webapp.extensions import db


@pytest.fixture
def queue_in(tmp_path, app, monkeypatch: pytest.MonkeyPatch):
    """The queue in a SQLite file of this test's own, as a deployment without immediate mode has it."""
    queue = SqliteHuey(tasks.QUEUE_NAME, filename=str(tmp_path / "huey.sqlite3"), results=False)
    monkeypatch.setattr(tasks.huey, "storage", queue.storage)
    monkeypatch.setitem(app.config, "HUEY_IMMEDIATE", False)
    return tmp_path / "huey.sqlite3"


def test_liveness_needs_no_database(app):
    nowhere = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent/dir/db.sqlite"})
    client = nowhere.test_client()
    started = time.perf_counter()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert time.perf_counter() - started < 0.5
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["status"] == "not ready"
    assert ready.json["checks"]["database"]["ok"] is False
    assert "OperationalError" in ready.json["checks"]["database"]["error"]
    with nowhere.app_context():
        db.engine.dispose()


def test_ready_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    checks = response.json["checks"]
    assert response.json["status"] == "ready"
    assert checks["database"]["ok"] and checks["database"]["seconds"] < 1
    assert checks["disk"]["ok"] and checks["disk"]["free_mb"] >= checks["disk"]["min_free_mb"]
    assert "skipped" in checks["worker"]  # the tests run tasks in-process: there is no worker


def test_not_ready_without_a_recent_worker_heartbeat(app, client, queue_in, monkeypatch: pytest.MonkeyPatch):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["queue"]["ok"] is True
    assert response.json["checks"]["worker"] == {"ok": False, "error": "no heartbeat: is the worker running?"}

    tasks.record_heartbeat()
    assert client.get("/readyz").status_code == 200

    monkeypatch.setitem(app.config, "READY_WORKER_MAX_AGE", 0.01)
    time.sleep(0.05)
    stale = client.get("/readyz")
    assert stale.status_code == 503 and stale.json["checks"]["worker"]["age_seconds"] > 0.01


def test_not_ready_when_the_disk_is_below_the_threshold(app, client, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "READY_MIN_FREE_MB", 10**12)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["disk"]["ok"] is False


def test_the_worker_process_records_its_heartbeat(app, client, queue_in):
    """``python -m webapp.worker`` beats every WORKER_HEARTBEAT_SECONDS into the queue's storage."""
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HUEY_SQLITE_PATH": str(queue_in),
        "WORKER_HEARTBEAT_SECONDS": "0.5",
        "SECRET_KEY": "test-secret",
    }
    environment.pop("HUEY_REDIS_URL", None), environment.pop("REDIS_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "webapp.worker"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = time.perf_counter()
        while client.get("/readyz").status_code != 200:
            assert worker.poll() is None, "the worker stopped"
            assert time.perf_counter() - started < 30, "no heartbeat within 30 s"
            time.sleep(0.2)
        first = tasks.last_heartbeat()
        time.sleep(1.2)
        assert tasks.last_heartbeat()["at"] > first["at"]  # it keeps beating
        assert first["pid"] == worker.pid
    finally:
        worker.terminate()
        worker.wait(timeout=30)
