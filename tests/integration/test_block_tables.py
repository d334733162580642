"""Statistics table inputs travel with the text in every revision, draft and restore."""

import pytest
from sqlalchemy import select

from tests.integration.helpers import find_block
from webapp.extensions import db
from webapp.models import Block, User
from webapp.services import blocks

OPTIONS = {"max_bytes": 200_000, "coalesce_seconds": 600}
NOVEMBER = {"occupancy": {"rows": [{"key": "2022-11", "cells": {"women": {"v": 202}, "men": {"v": 1000}}}]}}
DECEMBER = {"occupancy": {"rows": [{"key": "2022-12", "cells": {"women": {"v": 172}}}]}}


@pytest.fixture
def block_and_writer(app, demo):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt")
    with app.app_context():
        writer = db.session.scalars(select(User).where(User.email == "skribent.stadsmissionen-natt@demo.iop")).one()
        yield db.session.get(Block, block_id), writer
        db.session.remove()


def _save(block, writer, source, tables=None, **extra):
    outcome = blocks.save_block(block, writer, source, base_version=block.version, tables=tables, **OPTIONS, **extra)
    db.session.commit()
    return outcome


def test_tables_are_part_of_each_revision_and_a_text_save_keeps_them(block_and_writer):
    block, writer = block_and_writer
    first = _save(block, writer, "Text", NOVEMBER)
    assert first.kind == "saved" and first.revision.tables == NOVEMBER
    second = _save(block, writer, "Annan text")  # tables not sent: carried over
    assert second.kind == "saved" and second.revision.tables == NOVEMBER
    assert _save(block, writer, "Annan text", NOVEMBER).kind == "unchanged"
    third = _save(block, writer, "Annan text", DECEMBER)  # only the table changed
    assert third.kind == "saved" and third.revision.tables == DECEMBER


def test_restore_brings_back_the_tables_of_that_revision(block_and_writer):
    block, writer = block_and_writer
    first = _save(block, writer, "Text", NOVEMBER).revision
    _save(block, writer, "Text", DECEMBER)
    restored = blocks.restore_revision(block, writer, first, base_version=block.version)
    db.session.commit()
    assert restored.kind == "saved" and restored.revision.tables == NOVEMBER


def test_autosaved_tables_wait_in_the_draft(block_and_writer):
    block, writer = block_and_writer
    before = block.current_revision_id
    assert _save(block, writer, "", NOVEMBER, autosave=True).kind == "drafted"
    assert block.current_revision_id == before
    draft = blocks.draft_for(block, writer)
    assert draft is not None and draft.tables == NOVEMBER
