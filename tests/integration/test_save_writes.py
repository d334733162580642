"""What a save writes (issue 16): one revision and one audit event by plain INSERTs, one
versioned UPDATE of the block, and still nothing at all when another save got there first."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select, update

from tests.conftest import csrf_token
from tests.integration.helpers import find_block
from webapp.extensions import db
from webapp.models import AuditEvent, Block, Revision, User
from webapp.services import audit
from webapp.services import blocks as block_service

WRITER = "skribent.crossroads@demo.iop"
SAVE_OPTIONS = {"max_bytes": 200_000, "coalesce_seconds": 600}


def writes_of(statements: list[str]) -> list[str]:
    """The writing statements, by verb and table."""
    found = []
    for statement in statements:
        match = re.match(r"\s*(INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", statement, re.IGNORECASE)
        if match:
            found.append(f"{match.group(1).upper()} {match.group(2)}")
    return found


def rows(block_id: int) -> tuple[list[Revision], list[AuditEvent], Block]:
    revisions = list(db.session.scalars(select(Revision).where(Revision.block_id == block_id).order_by(Revision.id)))
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.block_id == block_id).order_by(AuditEvent.id)))
    return revisions, events, db.session.get(Block, block_id)


@pytest.fixture
def empty_block(app, demo) -> int:
    return find_block(app, "dag-besok", "crossroads")  # a draft with no revision in the demo


def test_a_save_writes_one_revision_one_event_and_moves_the_block_one_version(app, signed_in, empty_block):
    writer = signed_in(WRITER)
    with app.app_context():
        revisions_before, events_before, block = rows(empty_block)
        version, writer_id = block.version, db.session.scalar(select(User.id).where(User.email == WRITER))
        assert block.is_empty and not revisions_before
        db.session.remove()
    token = csrf_token(writer, f"/blocks/{empty_block}")
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = writer.post(
            f"/blocks/{empty_block}/save",
            data={"source": "Första texten.", "base_version": version, "note": "hej", "csrf_token": token},
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 302
    # The revision and the event as plain INSERTs; the block's pointer, flag and version in one UPDATE.
    assert writes_of(statements) == [
        "INSERT INTO revisions",
        "UPDATE blocks",
        "INSERT INTO audit_events",
        "DELETE FROM block_drafts",
    ]
    with app.app_context():
        revisions, events, block = rows(empty_block)
        assert len(revisions) == 1 and len(events) == len(events_before) + 1
        revision, saved = revisions[0], events[-1]
        assert (revision.number, revision.source, revision.html, revision.author_id, revision.note) == (
            1,
            "Första texten.",
            "<p>Första texten.</p>",
            writer_id,
            "hej",
        )
        assert revision.created_at is not None and revision.restored_from_id is None and revision.tables == {}
        assert (saved.action, saved.user_id, saved.block_id, saved.report_id) == (
            "block.saved",
            writer_id,
            empty_block,
            block.report_id,
        )
        assert saved.details == {"revision": 1, "note": "hej"} and saved.created_at is not None
        # One version per save, also when the block stops being empty.
        assert (block.version, block.current_revision_id, block.is_empty) == (version + 1, revision.id, False)


def test_a_save_that_lost_the_race_is_a_conflict_and_writes_nothing(app, demo, empty_block):
    with app.app_context():
        block = db.session.get(Block, empty_block)
        writer = db.session.scalars(select(User).where(User.email == WRITER)).one()
        version = block.version
        events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
        # Another save commits between our read of the block and our write.
        with db.engine.begin() as other:
            other.execute(
                update(Block.__table__).where(Block.__table__.c.id == empty_block).values(version=version + 1)
            )
        outcome = block_service.save_block(block, writer, "Min text.", base_version=version, **SAVE_OPTIONS)
        assert outcome.kind == "conflict"
        db.session.commit()
        db.session.remove()
        revisions, _, block = rows(empty_block)
        assert revisions == [] and block.version == version + 1 and block.current_revision_id is None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
        db.session.remove()


def test_a_restore_writes_one_revision_that_names_its_source_and_one_event(app, demo, empty_block):
    with app.app_context():
        writer = db.session.scalars(select(User).where(User.email == WRITER)).one()
        block = db.session.get(Block, empty_block)
        start = block.version
        for text in ("Ett.", "Två."):
            assert block_service.save_block(block, writer, text, base_version=block.version, **SAVE_OPTIONS).kind == (
                "saved"
            )
            db.session.commit()
        first = db.session.scalars(select(Revision).where(Revision.block_id == empty_block, Revision.number == 1)).one()
        first_id = first.id
        outcome = block_service.restore_revision(block, writer, first, base_version=block.version)
        db.session.commit()
        assert outcome.kind == "saved" and outcome.revision is not None
        assert (outcome.revision.number, outcome.revision.source) == (3, "Ett.")
        db.session.remove()
        revisions, events, block = rows(empty_block)
        assert [r.restored_from_id for r in revisions] == [None, None, first_id]
        assert [e.action for e in events][-3:] == ["block.saved", "block.saved", "block.restored"]
        assert block.current_revision_id == revisions[-1].id and block.version == start + 3
        db.session.remove()


def test_an_audit_event_is_rolled_back_with_its_request(app, demo):
    """The plain INSERT runs inside the write transaction (BEGIN IMMEDIATE on SQLite, where the
    driver's own BEGIN is off): a rollback takes it back."""
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
        audit.record("user.name_changed", user=None, details={"test": True})
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
        db.session.remove()
