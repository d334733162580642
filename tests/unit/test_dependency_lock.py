"""The lock file check and the offline OSV audit (tools/dependency_lock.py)."""

from __future__ import annotations

import json
import zipfile

from packaging.requirements import Requirement
from packaging.version import Version

from tools.dependency_lock import (
    LOCK,
    affected_pins,
    lock_problems,
    osv,
    osv_records,
    read_lock,
)

LOCK_TEXT = """\
flask==3.1.3 \\
    --hash=sha256:aaaa
    # via iop-rapport (pyproject.toml)
werkzeug==3.1.4 \\
    --hash=sha256:bbbb
    # via flask
retired==1.0 \\
    --hash=sha256:cccc
    # via iop-rapport (pyproject.toml)
"""


def test_pins_and_direct_dependencies_are_read():
    pins, direct = read_lock(LOCK_TEXT)
    assert pins == {"flask": Version("3.1.3"), "werkzeug": Version("3.1.4"), "retired": Version("1.0")}
    assert direct == {"flask", "retired"}


def test_a_missing_an_out_of_range_and_a_dropped_dependency_are_named():
    pins, direct = read_lock(LOCK_TEXT)
    requirements = [Requirement("Flask>=3.2,<4"), Requirement("nh3>=0.2"), Requirement("werkzeug>=3")]
    assert lock_problems(requirements, pins, direct) == [
        "Flask==3.1.3 in requirements.lock is outside Flask<4,>=3.2",
        "nh3 (nh3>=0.2) is not in requirements.lock",
        "retired is locked as a dependency of pyproject.toml, which no longer asks for it",
    ]


def _advisory(identifier: str, name: str, events: list[dict], versions: tuple = ()) -> dict:
    return {
        "id": identifier,
        "summary": f"{identifier} summary",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": list(versions),
            }
        ],
    }


ADVISORIES = [
    _advisory("FIXED-LATER", "Flask", [{"introduced": "0"}, {"fixed": "3.1.4"}]),  # affects 3.1.3
    _advisory("FIXED-BEFORE", "flask", [{"introduced": "0"}, {"fixed": "3.1.3"}]),  # not
    _advisory("LAST-AFFECTED", "Werkzeug", [{"introduced": "3.0"}, {"last_affected": "3.1.4"}]),  # affects
    _advisory("NOT-YET", "werkzeug", [{"introduced": "3.2"}]),  # not
    _advisory("LISTED", "retired", [], versions=("1.0",)),  # affects
    {**_advisory("WITHDRAWN", "flask", [{"introduced": "0"}]), "withdrawn": "2025-01-01T00:00:00Z"},
    _advisory("OTHER-PACKAGE", "django", [{"introduced": "0"}]),
]


def test_osv_ranges_versions_and_withdrawals():
    pins, _direct = read_lock(LOCK_TEXT)
    found = {advisory for _name, _version, advisory, _summary in affected_pins(iter(ADVISORIES), pins)}
    assert found == {"FIXED-LATER", "LAST-AFFECTED", "LISTED"}


def test_a_dump_is_read_from_a_zip_or_a_folder(tmp_path):
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for advisory in ADVISORIES:
            out.writestr(f"{advisory['id']}.json", json.dumps(advisory))
    folder = tmp_path / "PyPI"
    folder.mkdir()
    for advisory in ADVISORIES:
        (folder / f"{advisory['id']}.json").write_text(json.dumps(advisory), encoding="utf-8")
    assert len(list(osv_records(archive))) == len(list(osv_records(folder))) == len(ADVISORIES)


def test_the_audit_exits_nonzero_when_a_pin_is_affected_and_when_the_dump_is_empty(tmp_path, capsys):
    flask_pin = read_lock(LOCK.read_text(encoding="utf-8"))[0]["flask"]
    folder = tmp_path / "dump"
    folder.mkdir()
    assert osv(folder) == 2  # an empty dump audits nothing: never a silent pass
    advisory = _advisory("GHSA-TEST", "flask", [{"introduced": str(flask_pin)}, {"fixed": "999"}])
    (folder / "a.json").write_text(json.dumps(advisory), encoding="utf-8")
    assert osv(folder) == 1
    assert f"flask=={flask_pin}: GHSA-TEST" in capsys.readouterr().out
    (folder / "a.json").write_text(json.dumps(_advisory("OLD", "flask", [{"introduced": "0"}, {"fixed": "0.1"}])))
    assert osv(folder) == 0
