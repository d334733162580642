"""bench/scale.py's builder keeps its promise: scale n is n demo partnerships, each copy as its original.

The benchmark itself is not run here (bench/README.md); this only keeps the builder from rotting.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Block, Comment, Organisation, Unit

SCALE_SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "scale.py"


def _load_scale_module():
    spec = importlib.util.spec_from_file_location("bench_scale", SCALE_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_build_at_scale_two_doubles_the_partnership(app: Flask) -> None:
    scale = _load_scale_module()
    with app.app_context():
        summary = scale.build(2)
        units = list(db.session.scalars(select(Unit)))
        copies = [u for u in units if u.name.endswith(" (2)")]
        originals = [u for u in units if not u.name.endswith(" (2)")]
        blocks = list(db.session.scalars(select(Block).where(Block.report_id == summary.report_id)))
        origin_of = {copy.id: next(o.id for o in originals if copy.name == f"{o.name} (2)") for copy in copies}
        copy_blocks = [b for b in blocks if b.unit_id in origin_of]
        original_blocks = [b for b in blocks if not b.joint and b.unit_id not in origin_of]
        commented = set(db.session.scalars(select(Comment.block_id)))

        assert len(originals) == len(copies) == summary.units // 2 > 0
        assert db.session.query(Organisation).count() == summary.organisations
        assert summary.blocks == len(blocks) == summary.joint_blocks + 2 * len(original_blocks)
        assert summary.filled_blocks == summary.blocks  # every block written
        # Each copy has its original's blocks, states and comment threads.
        assert Counter((b.section_id, origin_of[b.unit_id]) for b in copy_blocks) == Counter(
            (b.section_id, b.unit_id) for b in original_blocks
        )
        assert Counter(b.state for b in copy_blocks) == Counter(b.state for b in original_blocks)
        assert {b.state for b in original_blocks} >= {"draft", "submitted", "approved", "changes_requested"}
        assert sum(b.id in commented for b in copy_blocks) == sum(b.id in commented for b in original_blocks) > 0
        assert summary.revisions > summary.blocks  # some blocks have a second revision
        history_block = db.session.get(Block, summary.history_block_id)
        assert history_block is not None and history_block.current_revision.number == 1
        db.session.rollback()
