"""Migrations are all-or-nothing: a killed or failing `flask db upgrade`/`downgrade` leaves the
database at the revision it started from, and the retry gets to head.

Each test drives the real command in a subprocess against a scratch database of the suite's
backend (tests/faults/scratch_database.py) and stops it just before a chosen statement: with
SIGKILL (nothing gets to clean up) or with an exception (Alembic's error path).
"""

from __future__ import annotations

import signal

from tests.faults.scratch_database import (
    flask,
    head_revision,
    on_postgresql,
    revision,
    scratch_database,
    snapshot,
    table_names,
)

HEAD = head_revision()

# Where an upgrade from nothing is killed: inside the first migration (organisations exists,
# units not yet: the old retry failed with "table organisations already exists"), as the first
# migration writes its revision (the next one is about to start), inside 0005's rebuild of `units` (on
# SQLite the old table is dropped and its copy not yet renamed), and just before the commit.
_COMMON_KILLS = ["CREATE TABLE units (", "INSERT INTO alembic_version"]
SQLITE_KILLS = [*_COMMON_KILLS, "ALTER TABLE _alembic_tmp_units RENAME TO units", "PRAGMA foreign_key_check"]
POSTGRESQL_KILLS = [*_COMMON_KILLS, "ALTER TABLE units DROP COLUMN", f"UPDATE alembic_version SET version_num='{HEAD}'"]


def _ok(result) -> None:
    assert result.returncode == 0, result.stderr[-3000:]


def _killed(result) -> None:
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr[-3000:])


def test_a_killed_upgrade_leaves_nothing_behind_and_the_retry_reaches_head(tmp_path):
    with scratch_database(tmp_path) as url:
        for statement in POSTGRESQL_KILLS if on_postgresql() else SQLITE_KILLS:
            _killed(flask(url, "db", "upgrade", fault=f"kill:{statement}"))
            assert table_names(url) == [], f"killed before {statement!r}"
        _ok(flask(url, "db", "upgrade"))
        assert revision(url) == HEAD
        check = flask(url, "db", "check")
        _ok(check)
        assert "No new upgrade operations detected" in check.stderr + check.stdout


def test_a_failing_downgrade_with_data_changes_nothing_and_a_clean_one_runs(tmp_path):
    with scratch_database(tmp_path) as url:
        _ok(flask(url, "db", "upgrade"))
        _ok(flask(url, "seed-demo"))
        before = snapshot(url)
        assert {"publications_no_update"} <= set(before["triggers"])

        # The old failure: 0005's downgrade drops the publication guards, then a table rebuild
        # (SQLite) or a later DROP TABLE fails. Now the guards and the revision come back.
        failed = flask(url, "db", "downgrade", "base", fault="fail:DROP TABLE report_templates")
        assert failed.returncode != 0 and "injected failure" in failed.stderr
        assert snapshot(url) == before

        # Without a fault the same rebuilds run with rows pointing at the rebuilt tables
        # (SQLite: foreign keys off before the transaction, checked before its commit).
        _ok(flask(url, "db", "downgrade", "0004"))
        assert revision(url) == "0004" and "publications" not in table_names(url)
        _ok(flask(url, "db", "upgrade"))
        after = snapshot(url)
        assert after["triggers"] == before["triggers"]
        for table in ("organisations", "units", "users", "reports", "blocks", "revisions", "unit_capacity"):
            assert after["tables"][table] == before["tables"][table], table
        _ok(flask(url, "db", "check"))
