"""`flask backup` under write load and `flask restore` into an empty database.

A writer process saves blocks through the services (one revision per commit) and adds
publications with their PDF bytes and sha256 while the backup runs. The backup is restored
into a new database: every revision that was committed before the backup started is there,
nothing is there that the source never had, every block points at a revision it has, and every
publication's bytes still hash to its stored sha256. Runs on the suite's backend
(TEST_DATABASE_URL); on PostgreSQL only when pg_dump and pg_restore are installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from tests.faults.scratch_database import (
    connect,
    flask,
    head_revision,
    on_postgresql,
    revision,
    scratch_database,
    snapshot,
    table_names,
)
from webapp.config import PROJECT_ROOT

HEAD = head_revision()
WRITER = "skribent.stadsmissionen-natt@demo.iop"

pytestmark = pytest.mark.skipif(
    on_postgresql() and not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump and pg_restore are not installed",
)

# Saves blocks through the services until the stop file appears; every fifth commit also
# adds a publication. Prints the number of commits after each one. On SQLite its commits stay
# in the WAL (no automatic checkpoint), where a copy of the database file would miss them.
_WRITER_SCRIPT = f"""
import hashlib, os, sys
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

@event.listens_for(Engine, "connect")
def _keep_in_the_wal(dbapi_connection, _record):
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

from wsgi import app
from webapp.extensions import db
from webapp.models import Block, Publication, User
from webapp.permissions import can_edit_block
from webapp.services.blocks import save_block

with app.app_context():
    writer = db.session.scalar(select(User).where(User.email == "{WRITER}"))
    block_ids = [block.id for block in db.session.scalars(select(Block)) if can_edit_block(writer, block)]
    n = 0
    while not os.path.exists(sys.argv[1]):
        block = db.session.get(Block, block_ids[n % len(block_ids)])
        outcome = save_block(block, writer, f"Text nummer {{n}}", base_version=block.version,
                             max_bytes=200_000, coalesce_seconds=600)
        assert outcome.kind == "saved", outcome.kind
        if n % 5 == 0:
            pdf = os.urandom(40_000)
            db.session.add(Publication(
                report_id=block.report_id, version=n + 1, content_hash=hashlib.sha256(pdf).hexdigest(),
                pdf=pdf, html="<p>utgåva</p>", sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf),
                page_count=1, revision_ids={{}}, published_by_id=writer.id))
        db.session.commit()
        n += 1
        print(n, flush=True)
"""


def _ok(result) -> None:
    assert result.returncode == 0, result.stderr[-3000:]


def _revisions(url: str) -> dict[int, str]:
    with connect(url) as connection:
        return {id_: source for id_, source in connection.execute(text("SELECT id, source FROM revisions"))}


def _commits_so_far(writer: subprocess.Popen, at_least: int) -> int:
    assert writer.stdout is not None
    count = 0
    while count < at_least:
        line = writer.stdout.readline()
        assert line, f"the writer stopped: {writer.stderr.read()[-3000:] if writer.stderr else ''}"
        count = int(line)
    return count


def test_a_backup_under_write_load_restores_every_revision_and_publication(tmp_path):
    stop = tmp_path / "stop"
    backup = tmp_path / ("iop.dump" if on_postgresql() else "iop.sqlite")
    with scratch_database(tmp_path) as source, scratch_database(tmp_path) as target:
        _ok(flask(source, "db", "upgrade"))
        _ok(flask(source, "seed-demo"))
        writer = subprocess.Popen(
            [sys.executable, "-c", _WRITER_SCRIPT, str(stop)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": source, "SECRET_KEY": "fault-tests"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            before_backup = _commits_so_far(writer, at_least=5)
            committed_before = _revisions(source)
            started = time.monotonic()
            made = flask(source, "backup", str(backup))
            seconds = time.monotonic() - started
            during_backup = len(_revisions(source)) - len(committed_before)
            _commits_so_far(writer, at_least=before_backup + 1)
        finally:
            stop.touch()
            _, errors = writer.communicate(timeout=60)
        assert writer.returncode == 0, errors[-3000:]
        _ok(made)
        assert "Skrev säkerhetskopian" in made.stdout
        size = backup.stat().st_size
        print(f"backup: {size} bytes in {seconds:.1f} s; the writer committed {during_backup} times meanwhile")

        restored = flask(target, "restore", str(backup))
        _ok(restored)
        assert revision(target) == HEAD and f"schemarevision {HEAD}" in restored.stdout

        source_revisions, target_revisions = _revisions(source), _revisions(target)
        assert committed_before.keys() <= target_revisions.keys()
        assert all(source_revisions[id_] == saved for id_, saved in target_revisions.items())
        with connect(target) as connection:
            dangling = connection.execute(
                text(
                    "SELECT count(*) FROM blocks WHERE current_revision_id IS NOT NULL "
                    "AND current_revision_id NOT IN (SELECT id FROM revisions)"
                )
            ).scalar()
            publications = connection.execute(text("SELECT id, pdf, sha256, size FROM publications")).all()
        assert dangling == 0
        assert publications, "the writer published before the backup"
        for id_, pdf, sha256, size in publications:
            assert hashlib.sha256(pdf).hexdigest() == sha256 and len(pdf) == size, id_

        # The app runs on the restored database: the schema matches the models, the demo is there.
        _ok(flask(target, "db", "check"))
        assert "Demodata fanns redan" in flask(target, "seed-demo").stdout

        # Restoring into a database that is not empty changes nothing.
        before = snapshot(target)
        refused = flask(target, "restore", str(backup))
        assert refused.returncode != 0 and "Databasen är inte tom" in refused.stderr
        assert snapshot(target) == before

        # An existing OUTFILE is never overwritten.
        again = flask(source, "backup", str(backup))
        assert again.returncode != 0 and "finns redan" in again.stderr


def test_restore_refuses_a_file_that_is_no_backup(tmp_path):
    not_a_backup = tmp_path / "anteckningar.txt"
    not_a_backup.write_text("ingen säkerhetskopia")
    with scratch_database(tmp_path) as target:
        refused = flask(target, "restore", str(not_a_backup))
        assert refused.returncode != 0 and "ingen säkerhetskopia" in refused.stderr
        assert table_names(target) == []
