"""``blocks.is_empty`` follows the block's current revision on every path that moves it (issue 16):
lists show "tomt" from this flag without loading any revision body.

The rule: empty when there is no current revision or its text is only whitespace
(``webapp.models.reports.is_blank``).
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.integration.helpers import find_block, post, save_url
from webapp.extensions import db
from webapp.models import Block, Report, User
from webapp.models.reports import is_blank
from webapp.services import blocks, reports

WRITER = "skribent.crossroads@demo.iop"


def _flag_in_database(block_id: int) -> bool:
    return db.session.execute(select(Block.is_empty).where(Block.id == block_id)).scalar_one()


def _assert_true_to_current(block: Block) -> None:
    db.session.flush()
    expected = block.current_revision is None or is_blank(block.current_revision.source)
    assert block.is_empty is expected
    assert _flag_in_database(block.id) is expected


def test_every_demo_block_is_flagged_as_its_current_revision(app, demo):
    with app.app_context():
        rows = db.session.scalars(select(Block)).all()
        assert {b.is_empty for b in rows} == {True, False}  # the demo has both
        for block in rows:
            assert block.is_empty is (block.current_revision is None or is_blank(block.current_revision.source))


_sources = st.one_of(
    st.sampled_from(["", " ", "\n\n", "\t \u00a0\n", "Text", "  Rubrik\n"]),
    st.text(alphabet=" \n\tab#*", max_size=12),
)
# ("save", source) or ("restore", which earlier revision)
_operations = st.lists(
    st.one_of(st.tuples(st.just("save"), _sources), st.tuples(st.just("restore"), st.integers(0, 50))),
    min_size=1,
    max_size=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=_operations)
def test_saving_and_restoring_keep_the_flag_true_to_the_current_revision(app, demo, operations):
    block_id = find_block(app, "dag-besok", "crossroads")
    with app.app_context():
        try:
            author = db.session.scalars(select(User).where(User.email == WRITER)).one()
            block = reports.load_block_for_update(block_id)
            assert block is not None
            _assert_true_to_current(block)
            saved = []
            for kind, value in operations:
                if kind == "save":
                    outcome = blocks.save_block(
                        block, author, value, base_version=block.version, max_bytes=100_000, coalesce_seconds=0
                    )
                    if outcome.revision is not None:
                        saved.append(outcome.revision)
                elif saved:
                    blocks.restore_revision(block, author, saved[value % len(saved)], base_version=block.version)
                _assert_true_to_current(block)
        finally:
            db.session.rollback()
            db.session.remove()


def test_saving_through_the_page_sets_and_clears_the_flag(app, signed_in):
    block_id = find_block(app, "dag-besok", "crossroads")
    client = signed_in(WRITER)

    def save(source: str) -> bool:
        with app.app_context():
            version = db.session.get(Block, block_id).version
            db.session.remove()
        response = post(client, save_url(block_id), {"source": source, "base_version": version})
        assert response.status_code in (200, 302, 303)
        with app.app_context():
            try:
                return _flag_in_database(block_id)
            finally:
                db.session.remove()

    assert save("Besöken ökade.") is False
    assert save("  \n ") is True
    assert save("Igen.") is False


def test_a_new_period_starts_with_empty_blocks(app, demo):
    with app.app_context():
        try:
            previous = db.session.get(Report, 2)
            new = reports.create_report(
                previous.report_template,
                title="Nästa",
                period_start=date(2023, 11, 1),
                period_end=date(2024, 4, 30),
                deadline=None,
                created_by=None,
                previous_report=previous,
            )
            db.session.flush()
            flags = db.session.scalars(select(Block.is_empty).where(Block.report_id == new.id)).all()
            assert flags and all(flags)
        finally:
            db.session.rollback()
            db.session.remove()
