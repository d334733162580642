"""Locking the report races a reviewer reopening one of its blocks: one of them wins, never both.

Locking checks that every block is approved and then writes; a reopen that commits in between
would leave a locked report with a draft block. Both now decide while holding the report
(``review.hold_report``). Two threads, each with its own client, session and connection, post
at the same moment, 50 times; the outcomes are counted and printed (``-s`` shows them).
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from tests.conftest import csrf_token
from tests.integration.helpers import find_block
from tests.integration.publishing_helpers import CHAIR, LOCKED_REPORT_ID, REVIEWER
from webapp import tasks
from webapp.extensions import db
from webapp.models import Block, BlockState, Report, ReportState

ROUNDS = 50


def _reset(app) -> None:
    """The report open with every block approved: ready to lock, and ready to reopen."""
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == LOCKED_REPORT_ID).values(state=ReportState.OPEN))
        db.session.execute(update(Block).where(Block.report_id == LOCKED_REPORT_ID).values(state=BlockState.APPROVED))
        db.session.commit()
        db.session.remove()


def _outcome(app) -> tuple[str, int]:
    with app.app_context():
        state = db.session.scalar(select(Report.state).where(Report.id == LOCKED_REPORT_ID))
        drafts = db.session.scalar(
            select(func.count())
            .select_from(Block)
            .where(Block.report_id == LOCKED_REPORT_ID, Block.state != BlockState.APPROVED)
        )
        db.session.remove()
    return str(state), drafts


def _race(chair, chair_token, reviewer, reviewer_token, block_id) -> tuple[int, int]:
    # A little jitter on both sides, so both orders and the overlap in between all occur.
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def lock() -> None:
        barrier.wait()
        threading.Event().wait(random.uniform(0, 0.02))
        statuses["lock"] = chair.post(
            f"/reports/{LOCKED_REPORT_ID}/transition", data={"action": "lock", "csrf_token": chair_token}
        ).status_code

    def reopen() -> None:
        barrier.wait()
        threading.Event().wait(random.uniform(0, 0.02))
        statuses["reopen"] = reviewer.post(
            f"/blocks/{block_id}/transition",
            data={"action": "reopen", "reason": "Stavfel i tabellen", "csrf_token": reviewer_token},
        ).status_code

    threads = [threading.Thread(target=lock), threading.Thread(target=reopen)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses["lock"], statuses["reopen"]


def test_lock_and_reopen_never_both_win(app, signed_in, monkeypatch: pytest.MonkeyPatch) -> None:
    # The final render the lock asks for is not what races here: it is queued, not rendered.
    monkeypatch.setattr(tasks.render_pdf_task, "call_local", lambda *args: None)
    random.seed(14)
    chair, reviewer = signed_in(CHAIR), signed_in(REVIEWER)
    chair_token, reviewer_token = csrf_token(chair), csrf_token(reviewer)
    block_id = find_block(app, "natt-analys", "stadsmissionen-natt", LOCKED_REPORT_ID)

    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS):
        _reset(app)
        lock_status, reopen_status = _race(chair, chair_token, reviewer, reviewer_token, block_id)
        state, drafts = _outcome(app)
        if state == ReportState.LOCKED and drafts:
            outcomes["locked with a draft block"] += 1
        elif state == ReportState.LOCKED:
            assert (lock_status, reopen_status) == (302, 409), (lock_status, reopen_status)
            outcomes["locked, reopen refused"] += 1
        else:
            assert (lock_status, reopen_status, drafts) == (409, 302, 1), (lock_status, reopen_status, drafts)
            outcomes["reopened, lock refused"] += 1
    with app.app_context():
        engine = db.engine.dialect.name
    print(f"\nlock against reopen, {ROUNDS} rounds on {engine}: {dict(outcomes)}")
    assert outcomes["locked with a draft block"] == 0, outcomes
    assert sum(outcomes.values()) == ROUNDS
