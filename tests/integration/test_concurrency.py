"""Concurrent saves: nothing lost, nothing silently overwritten, no "database is locked"."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.integration.helpers import block_version, current_text, revision_count
from webapp.extensions import db
from webapp.models import Block, Revision

ADMIN = "admin@demo.iop"


def _save(client, token, block_id, text, version):
    return client.post(
        f"/blocks/{block_id}/save", data={"source": text, "base_version": version, "csrf_token": token}
    ).status_code


def test_many_writers_saving_different_blocks_at_once_all_succeed(app, signed_in):
    with app.app_context():
        block_ids = list(
            db.session.scalars(select(Block.id).where(Block.report_id == 2, Block.state == "draft").limit(12))
        )
    clients = [signed_in(ADMIN) for _ in block_ids]
    tokens = [csrf_token(c) for c in clients]
    versions = [block_version(app, b) for b in block_ids]

    def work(i):
        return [_save(clients[i], tokens[i], block_ids[i], f"Text {i} runda {r}", versions[i] + r) for r in range(3)]

    with ThreadPoolExecutor(max_workers=len(block_ids)) as pool:
        results = list(pool.map(work, range(len(block_ids))))
    assert all(code == 302 for codes in results for code in codes), results
    for i, block_id in enumerate(block_ids):
        assert current_text(app, block_id) == f"Text {i} runda 2"


def test_simultaneous_saves_of_one_block_give_one_winner_and_conflicts(app, signed_in):
    with app.app_context():
        block_id = db.session.scalars(select(Block.id).where(Block.report_id == 2, Block.state == "draft")).first()
    start = block_version(app, block_id)
    before = revision_count(app, block_id)
    clients = [signed_in(ADMIN) for _ in range(8)]
    tokens = [csrf_token(c) for c in clients]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(
            pool.map(lambda i: _save(clients[i], tokens[i], block_id, f"Version från klient {i}", start), range(8))
        )
    assert codes.count(302) == 1, codes
    assert codes.count(409) == 7, codes
    assert revision_count(app, block_id) == before + 1
    winner = codes.index(302)
    assert current_text(app, block_id) == f"Version från klient {winner}"


def test_revisions_cannot_be_changed_or_deleted(app, demo):
    with app.app_context():
        revision = db.session.scalars(select(Revision)).first()
        revision.source = "ändrad i efterhand"
        with pytest.raises(ValueError, match="immutable"):
            db.session.flush()
        db.session.rollback()
        revision = db.session.scalars(select(Revision)).first()
        db.session.delete(revision)
        with pytest.raises(ValueError, match="may not be deleted"):
            db.session.flush()
        db.session.rollback()


def test_no_save_lands_after_a_lock_commits(app, signed_in):
    """20 rounds of a save racing a lock: a save either commits before the lock or is refused."""
    import threading

    from sqlalchemy import text, update

    from webapp.models import Report

    with app.app_context():
        block_id = db.session.scalars(select(Block.id).where(Block.report_id == 2, Block.state == "draft")).first()
    client = signed_in(ADMIN)
    token = csrf_token(client)
    for round_number in range(20):
        with app.app_context():
            db.session.execute(update(Report).where(Report.id == 2).values(state="open"))
            db.session.commit()
            start_version = db.session.get(Block, block_id).version
        seen = {}
        barrier = threading.Barrier(2)

        def lock():
            with app.app_context():
                barrier.wait()
                db.session.execute(update(Report).where(Report.id == 2).values(state="locked"))
                db.session.flush()
                seen["version_at_lock"] = db.session.scalar(
                    text("SELECT version FROM blocks WHERE id = :id"), {"id": block_id}
                )
                db.session.commit()

        def save():
            barrier.wait()
            seen["status"] = _save(client, token, block_id, f"Runda {round_number}", start_version)

        threads = [threading.Thread(target=lock), threading.Thread(target=save)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            final_version = db.session.get(Block, block_id).version
        assert seen["status"] in (302, 409), seen
        # Nothing may have been written to the block after the lock committed.
        assert final_version == seen["version_at_lock"], (round_number, seen, final_version)
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == 2).values(state="open"))
        db.session.commit()
