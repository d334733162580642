"""A full disk: a save gets a clear message and nothing is stored; /readyz turns red; both
recover once there is room again.

SQLite: the database is copied onto a tiny filesystem of its own (a tmpfs, mounted here when the
tests run as root) that is then filled up, so SQLite meets the real ENOSPC ("database or disk is
full"). Without the right to mount, SQLite's ``max_page_count`` makes the database full instead:
the same SQLITE_FULL error, but the disk check cannot see it. PostgreSQL's disk-full error
(SQLSTATE 53100) gets the same answer; it is raised by hand (its data directory is not ours).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import csrf_token, sign_in
from tests.integration.helpers import find_block, save_url
from tests.integration.publishing_helpers import WRITER
from webapp import create_app
from webapp.extensions import db
from webapp.models import Block, Revision
from webapp.services import blocks as block_service

DISK_FULL_MESSAGE = "Servern har inte plats att spara något just nu. Ingenting har sparats"
TINY_DISK_MB = 24
NEW_TEXT = "Ny text som inte får plats. " * 3000  # ~84 kB: needs new pages, within MAX_BLOCK_BYTES


@contextlib.contextmanager
def tiny_disk(directory: Path) -> Iterator[bool]:
    """A tmpfs of TINY_DISK_MB at ``directory``; yields False when mounting is not allowed."""
    directory.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={TINY_DISK_MB}m", "tmpfs", str(directory)], capture_output=True
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(directory)], check=False)


def fill(directory: Path) -> Path:
    """Write a filler file until the filesystem has no room left."""
    filler = directory / "filler"
    with open(filler, "wb") as out:
        with contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 65536)
                out.flush()
    return filler


def _revisions(app: Flask, block_id: int) -> int:
    with app.app_context():
        count = db.session.query(Revision).filter_by(block_id=block_id).count()
        db.session.remove()
    return count


@pytest.fixture
def app_on_a_small_disk(app: Flask, demo, tmp_path: Path) -> Iterator[tuple[Flask, Path, bool]]:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("a full disk under PostgreSQL is test_a_postgresql_disk_full_gets_the_same_answer")
    with app.app_context():  # everything in the main file, then a copy that is whole by itself
        with db.engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
    with tiny_disk(tmp_path / "disk") as mounted:
        copy = tmp_path / "disk" / "iop.sqlite"
        shutil.copyfile(url.database, copy)
        small = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": app.config["SECRET_KEY"],
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}",
                "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
                "HUEY_IMMEDIATE": True,
                "READY_DISK_PATH": str(copy.parent),
                "READY_MIN_FREE_MB": 1,
            }
        )
        try:
            yield small, copy.parent, mounted
        finally:
            with small.app_context():
                db.engine.dispose()


def test_a_full_disk_gets_a_clear_message_and_nothing_is_stored(app, app_on_a_small_disk):
    small, disk, mounted = app_on_a_small_disk
    block_id = find_block(app, "natt-analys", "stadsmissionen-natt")
    writer = small.test_client()
    assert sign_in(writer, WRITER).status_code == 302
    token = csrf_token(writer)
    with small.app_context():
        version = db.session.get(Block, block_id).version
        db.session.remove()
    before = _revisions(small, block_id)
    if mounted:
        filler = fill(disk)
    else:  # no tmpfs: the database may grow no further than it is
        with small.app_context():
            engine = db.engine

        def no_more_pages(dbapi_connection, _record):
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

        event.listen(engine, "connect", no_more_pages)
        engine.dispose()

    def save():
        return writer.post(
            save_url(block_id),
            data={"source": NEW_TEXT, "base_version": version, "csrf_token": token},
            headers={"HX-Request": "true"},
        )

    started = time.perf_counter()
    refused = save()
    refused_seconds = time.perf_counter() - started
    assert refused.status_code == 507, refused.get_data(as_text=True)[:500]
    assert DISK_FULL_MESSAGE in refused.get_data(as_text=True)
    assert _revisions(small, block_id) == before  # nothing half-written
    ready = writer.get("/readyz")
    if mounted:
        assert ready.status_code == 503 and ready.json["checks"]["disk"]["ok"] is False
        assert ready.json["checks"]["database"]["ok"] is True  # reading still works
        filler.unlink()
    else:
        event.remove(engine, "connect", no_more_pages)
        engine.dispose()

    started = time.perf_counter()
    saved = save()
    recovered = time.perf_counter() - started
    assert saved.status_code == 200, saved.get_data(as_text=True)[:500]
    assert _revisions(small, block_id) == before + 1
    assert writer.get("/readyz").status_code == 200
    how = f"a {TINY_DISK_MB} MB tmpfs filled up" if mounted else "SQLite max_page_count"
    print(
        f"\nfull disk ({how}): save refused with 507 after {refused_seconds:.2f} s, /readyz "
        f"{ready.status_code}; with room again the next save took {recovered:.2f} s"
    )


class _DiskFull(Exception):
    sqlstate = "53100"


@pytest.mark.parametrize(
    "cause",
    [
        _DiskFull('could not extend file "base/16384/2619": No space left on device'),
        OSError(errno.ENOSPC, "No space left on device"),
    ],
)
def test_a_postgresql_disk_full_gets_the_same_answer(app, signed_in, monkeypatch: pytest.MonkeyPatch, cause):
    block_id = find_block(app, "natt-analys", "stadsmissionen-natt")
    writer = signed_in(WRITER)
    token = csrf_token(writer)
    before = _revisions(app, block_id)

    def disk_full(*_args, **_kwargs):
        if isinstance(cause, OSError):
            raise cause
        raise OperationalError("INSERT INTO revisions …", {}, cause)

    monkeypatch.setattr(block_service, "save_block", disk_full)
    response = writer.post(
        save_url(block_id),
        data={"source": "Ny text", "base_version": 1, "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 507
    assert DISK_FULL_MESSAGE in response.get_data(as_text=True)
    assert _revisions(app, block_id) == before
