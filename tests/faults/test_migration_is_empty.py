"""Migration 0008 fills ``blocks.is_empty`` from each block's current revision, all or nothing: a
killed fill leaves 0007 behind (no column, no half-set flags), and the retry sets every flag
exactly as saving had set it (the seeded demo's flags are the reference)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.faults.scratch_database import connect, flask, revision, scratch_database
from tests.faults.test_migrations import _killed, _ok


def _flags(url: str) -> dict[int, bool]:
    with connect(url) as connection:
        return {row[0]: bool(row[1]) for row in connection.execute(text("SELECT id, is_empty FROM blocks"))}


def _has_column(url: str) -> bool:
    with connect(url) as connection:
        return "is_empty" in {c["name"] for c in inspect(connection).get_columns("blocks")}


def test_the_fill_is_all_or_nothing_and_matches_what_saving_sets(tmp_path):
    with scratch_database(tmp_path) as url:
        _ok(flask(url, "db", "upgrade"))
        _ok(flask(url, "seed-demo"))
        seeded = _flags(url)
        assert set(seeded.values()) == {True, False}

        _ok(flask(url, "db", "downgrade", "0007"))
        assert not _has_column(url)
        _killed(flask(url, "db", "upgrade", fault="kill:UPDATE blocks SET is_empty"))
        assert revision(url) == "0007" and not _has_column(url)

        _ok(flask(url, "db", "upgrade"))
        assert _flags(url) == seeded
        _ok(flask(url, "db", "check"))
