"""Helpers for the rendering and publishing tests: counting renders, reading PDFs, a real worker.

Renders are real WeasyPrint renders. ``remembered_renders`` keeps each finished PDF by its
HTML for the rest of the test session, so tests that publish the same demo content do not
pay for the same five-second render again (the app's own cache lives in the database, which
is emptied after every test).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.pdf_tools import page_texts
from webapp.extensions import db
from webapp.models import AuditEvent, Publication, RenderJob

CHAIR = "ordforande@demo.iop"
REVIEWER = "granskare.fralsningsarmen@demo.iop"
OTHER_REVIEWER = "granskare.convictus@demo.iop"
WRITER = "skribent.stadsmissionen-natt@demo.iop"
ADMIN = "admin@demo.iop"
LOCKED_REPORT_ID = 1
OPEN_REPORT_ID = 2

_remembered: dict[str, tuple[bytes, int]] = {}


@dataclass
class RenderLog:
    """Which renders really ran (HTML hashes), in order."""

    rendered: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rendered)


def install_render_spy(monkeypatch: pytest.MonkeyPatch, *, remember: bool) -> RenderLog:
    """Count every render the worker asks for; with ``remember``, reuse a PDF made earlier in
    the session from identical HTML (the stages are still reported)."""
    import webapp.document.pdf as pdf_module

    real = pdf_module.render_pdf_in_stages
    log = RenderLog()

    def spy(html: str, on_stage: Callable[[str], None]) -> tuple[bytes, int]:
        key = hashlib.sha256(html.encode()).hexdigest()
        log.rendered.append(key)

        def stage(step: str) -> None:
            log.stages.append(step)
            on_stage(step)

        if remember and key in _remembered:
            for step in ("parse", "layout", "write"):
                stage(step)
            return _remembered[key]
        result = real(html, stage)
        _remembered[key] = result
        return result

    monkeypatch.setattr(pdf_module, "render_pdf_in_stages", spy)
    return log


def counts(app: Flask) -> tuple[int, int, int]:
    """(publications, render jobs, audit events): what a refused request must leave as it was."""
    with app.app_context():
        result = tuple(
            db.session.scalar(select(func.count()).select_from(model)) for model in (Publication, RenderJob, AuditEvent)
        )
        db.session.remove()
    return result  # type: ignore[return-value]


def publication_count(app: Flask) -> int:
    return counts(app)[0]


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text with runs of spaces (also no-break and narrow no-break) made one space."""
    return [re.sub(r"[ \u00a0\u202f]+", " ", text or "") for text in page_texts(data)]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@contextmanager
def real_worker(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A real Huey consumer (one worker thread) on a queue of its own, instead of immediate mode.

    Requests enqueue into a SQLite queue file under ``tmp_path``; the consumer's tasks run in
    the test's app (the consumer would otherwise create an app from the environment).
    """
    from huey.storage import SqliteStorage

    import webapp.worker as worker
    from webapp.tasks import QUEUE_NAME, huey

    monkeypatch.setitem(app.config, "HUEY_IMMEDIATE", False)
    monkeypatch.setattr(huey, "storage", SqliteStorage(QUEUE_NAME, filename=str(tmp_path / "queue.sqlite3")))
    monkeypatch.setattr(worker, "consumer_app", lambda: app)  # its worker thread enters this app
    consumer = huey.create_consumer(
        workers=1,
        worker_type="thread",
        initial_delay=0.05,
        backoff=1.1,
        max_delay=0.2,
        periodic=False,
        check_worker_health=False,
    )
    monkeypatch.setattr(consumer, "_set_signal_handlers", lambda: None)  # pytest keeps its own handlers
    consumer.start()  # the scheduler and the worker thread; returns at once
    try:
        yield
    finally:
        consumer.stop(graceful=True)


def request_final(client, report_id: int) -> None:
    """The chair's "Skapa den slutliga PDF:en": loading Publicera asks for nothing (a GET), and
    the demo's locked report was seeded locked, without the final render locking asks for."""
    from tests.integration.helpers import post

    response = post(client, f"/reports/{report_id}/publish/render")
    assert response.status_code == 302, response.status_code
