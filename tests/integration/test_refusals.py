"""Every mutating route × role × report state: refused means refused, with nothing changed.

The route table lists each unsafe endpoint with the form it needs; the roles and states
come from the demo. A refusal is 403 (not yours), 409 (not in this state) or a redirect
to sign-in; it must leave every table as it was.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.integration.helpers import find_block
from webapp.extensions import db
from webapp.models import AuditEvent, Block, BlockDraft, Comment, Notification, Report, Revision

UNIT = "crossroads"
SECTION = "dag-besok"


def _counts(app) -> tuple:
    with app.app_context():
        counts = tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Revision, BlockDraft, AuditEvent, Comment, Notification)
        )
        states = tuple(db.session.execute(select(Block.id, Block.state, Block.version).order_by(Block.id)).all())
        reports = tuple(db.session.execute(select(Report.id, Report.state).order_by(Report.id)).all())
        db.session.remove()
    return counts, states, reports


def _routes(block_id: int, version: int, report_id: int) -> list[tuple[str, dict]]:
    cell = f"cell|visits|{'2022-12' if report_id == 2 else '2021-12'}|women"
    return [
        (f"/blocks/{block_id}/save", {"source": "Intrång", "base_version": version}),
        (f"/blocks/{block_id}/autosave", {"source": "Intrång", "base_version": version}),
        (f"/blocks/{block_id}/tables", {"source": "", "base_version": version, cell: "5"}),
        (f"/blocks/{block_id}/preview", {"source": "x"}),
        (f"/blocks/{block_id}/revisions/1/restore", {"base_version": version}),
        (f"/blocks/{block_id}/transition", {"action": "submit", "source": "Intrång", "base_version": version}),
        (f"/blocks/{block_id}/transition", {"action": "withdraw"}),
        (f"/blocks/{block_id}/transition", {"action": "approve"}),
        (f"/blocks/{block_id}/transition", {"action": "request_changes", "reason": "x"}),
        (f"/blocks/{block_id}/transition", {"action": "reopen", "reason": "x"}),
        (f"/reports/{report_id}/transition", {"action": "lock"}),
    ]


def _refused(status: int) -> bool:
    return status in (401, 403, 404, 409, 422) or status == 302


@pytest.mark.parametrize("report_id", [1, 2])
@pytest.mark.parametrize("email", [None, "skribent.eu-center@demo.iop", "granskare.convictus@demo.iop"])
def test_people_without_the_right_change_nothing(app, client, signed_in, report_id, email):
    """Anonymous, another unit's writer and a reviewer on a draft: nothing of theirs to do here."""
    block_id = find_block(app, SECTION, UNIT, report_id=report_id)
    with app.app_context():
        block = db.session.get(Block, block_id)
        version, state = block.version, block.state
    if report_id == 2:
        assert state == "draft"  # reviewers have nothing to decide on a draft
    user = client if email is None else signed_in(email)
    token = csrf_token(user, "/login" if email is None else "/")
    before = _counts(app)
    for url, data in _routes(block_id, version, report_id):
        response = user.post(url, data={**data, "csrf_token": token})
        assert _refused(response.status_code), (email, url, data.get("action"), response.status_code)
        if email is None:
            assert response.headers["Location"].startswith("/login")
        elif response.status_code == 302:
            # Only a writer's refused submission redirects back to the block page.
            raise AssertionError((email, url, data))
    assert _counts(app) == before


def test_the_locked_report_refuses_even_its_own_writer_and_the_admin(app, signed_in):
    block_id = find_block(app, SECTION, UNIT, report_id=1)
    with app.app_context():
        version = db.session.get(Block, block_id).version
    before = _counts(app)
    for email in ("skribent.crossroads@demo.iop", "admin@demo.iop", "ordforande@demo.iop"):
        user = signed_in(email)
        token = csrf_token(user)
        for url, data in _routes(block_id, version, 1):
            if url.startswith("/reports/"):
                continue  # the chair may unlock; locking a locked report is refused below
            response = user.post(url, data={**data, "csrf_token": token})
            assert response.status_code in (403, 409), (email, url, data.get("action"), response.status_code)
    # Comments, presence and imports are refused on a locked report too.
    writer = signed_in("skribent.crossroads@demo.iop")
    token = csrf_token(writer)
    for url, data in [
        (f"/blocks/{block_id}/comments", {"body": "En kommentar"}),
        (f"/blocks/{block_id}/presence", {}),
        (f"/blocks/{block_id}/tables/visits/import/preview", {"import-visits-text": "Nov\t1\t2"}),
        (
            f"/blocks/{block_id}/tables/visits/import/apply",
            {"import-visits-text": "Nov\t1\t2", "base_version": version},
        ),
    ]:
        response = writer.post(url, data={**data, "csrf_token": token}, headers={"HX-Request": "true"})
        assert response.status_code == 409, (url, response.status_code)
    assert post_lock_again(signed_in("ordforande@demo.iop")) == 409
    assert _counts(app) == before


def post_lock_again(chair) -> int:
    return chair.post("/reports/1/transition", data={"action": "lock", "csrf_token": csrf_token(chair)}).status_code
