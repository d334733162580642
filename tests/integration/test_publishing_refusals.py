"""The publishing and rendering endpoints × every role × report state: refused means nothing changed.

Publishing (and asking for the final PDF again) is the chair's alone, and only of a locked
report. A draft PDF may be asked for by everyone signed in, in any state; nobody else.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.integration.helpers import post
from tests.integration.publishing_helpers import CHAIR, LOCKED_REPORT_ID, OPEN_REPORT_ID
from webapp.extensions import db
from webapp.models import AuditEvent, Block, Publication, RenderJob, Report

NOT_CHAIRS = (
    "skribent.crossroads@demo.iop",  # a writer
    "skribent.stadsmissionen-natt@demo.iop",  # a writer of a unit with tables
    "granskare.fralsningsarmen@demo.iop",  # a reviewer
    "admin@demo.iop",  # the administrator: not the chair
)
CHAIR_ONLY = (
    ("POST", "/reports/{id}/publish", {"leave_threads_open": "y", "open_threads_reason": "x"}),
    ("POST", "/reports/{id}/publish/render", {}),
    ("GET", "/reports/{id}/publish", None),
    ("GET", "/reports/{id}/publish/renders/1", None),
)


def _everything(app) -> tuple:
    with app.app_context():
        counts = tuple(
            db.session.scalar(select(func.count()).select_from(model)) for model in (Publication, RenderJob, AuditEvent)
        )
        states = tuple(db.session.execute(select(Block.id, Block.state, Block.version).order_by(Block.id)).all())
        reports = tuple(db.session.execute(select(Report.id, Report.state).order_by(Report.id)).all())
        db.session.remove()
    return counts, states, reports


def _call(client, method: str, url: str, data: dict | None):
    return post(client, url, data) if method == "POST" else client.get(url)


@pytest.mark.parametrize("report_id", [LOCKED_REPORT_ID, OPEN_REPORT_ID])
@pytest.mark.parametrize("email", NOT_CHAIRS)
def test_nobody_but_the_chair_publishes(app, signed_in, renders, email, report_id):
    client = signed_in(email)
    before = _everything(app)
    for method, url, data in CHAIR_ONLY:
        response = _call(client, method, url.format(id=report_id), data)
        assert response.status_code == 403, (email, method, url, response.status_code)
    assert _everything(app) == before
    assert renders.count == 0


@pytest.mark.parametrize(
    "method, url, data",
    [(m, u, d) for m, u, d in CHAIR_ONLY if m == "POST"] + [("POST", "/reports/{id}/draft-pdf", {})],
)
def test_anonymous_visitors_change_nothing(app, client, demo, renders, method, url, data):
    before = _everything(app)
    for report_id in (LOCKED_REPORT_ID, OPEN_REPORT_ID):
        response = client.post(url.format(id=report_id), data=data or {})
        assert response.status_code in (302, 400, 401), response.status_code  # sign in (or no CSRF token)
        assert not response.headers.get("Location", "/login").startswith("/reports")
    assert _everything(app) == before and renders.count == 0


def test_the_chair_cannot_publish_an_open_report(app, signed_in, renders):
    client = signed_in(CHAIR)
    before = _everything(app)
    for method, url, data in CHAIR_ONLY[:2]:
        response = _call(client, method, url.format(id=OPEN_REPORT_ID), data)
        assert response.status_code == 409, (url, response.status_code)
        assert "låst" in response.get_data(as_text=True)
    assert _everything(app) == before and renders.count == 0


def test_a_request_without_a_valid_token_changes_nothing(app, signed_in, renders):
    client = signed_in(CHAIR)
    before = _everything(app)
    for _method, url, _data in CHAIR_ONLY[:2]:
        assert client.post(url.format(id=LOCKED_REPORT_ID), data={"csrf_token": "forged"}).status_code == 400
    assert client.post(f"/reports/{OPEN_REPORT_ID}/draft-pdf", data={"csrf_token": "forged"}).status_code == 400
    assert _everything(app) == before


@pytest.mark.parametrize("email", (*NOT_CHAIRS, CHAIR))
@pytest.mark.parametrize("report_id", [LOCKED_REPORT_ID, OPEN_REPORT_ID])
def test_every_reader_may_ask_for_a_draft_pdf_in_any_state(app, signed_in, monkeypatch, email, report_id):
    """Asking for a draft stores one render job and nothing else: no block, report or publication changes."""
    import webapp.tasks as tasks

    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: None)  # rendering is tested elsewhere
    client = signed_in(email)
    (publications, jobs, events), states, reports = _everything(app)
    response = post(client, f"/reports/{report_id}/draft-pdf")
    assert response.status_code == 302
    assert _everything(app) == ((publications, jobs + 1, events), states, reports)
