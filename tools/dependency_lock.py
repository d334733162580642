"""The dependency lock (requirements.lock) and its audit, without the network.

    python tools/dependency_lock.py check            the lock agrees with pyproject.toml (CI)
    python tools/dependency_lock.py osv DUMP         the lock's pins against a local OSV dump

``check`` fails when a dependency of pyproject.toml (the runtime ones and the ``test`` extra)
is missing from the lock or pinned outside its range, or when the lock names as a direct
dependency something pyproject.toml no longer has; it then says how to regenerate the lock.
It also reports (without failing) where the installed environment differs from the lock.

``osv`` reads an OSV database dump — a folder of OSV JSON files or the ``all.zip`` the OSV
project publishes per ecosystem (PyPI) — and lists every pinned version an advisory affects.
It exits 1 when one does. ``make audit`` uses it when given ``OSV_DB=…``, pip-audit otherwise.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
EXTRAS = ("test",)
REGENERATE = "make lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
DIRECT = re.compile(r"#\s+via\s+(?:-r\s+)?iop-rapport|\(pyproject\.toml\)")


def read_lock(text: str) -> tuple[dict[str, Version], set[str]]:
    """Pins by canonical name, and the names the lock says pyproject.toml asked for."""
    pins: dict[str, Version] = {}
    direct: set[str] = set()
    current: str | None = None
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = Version(match.group(2))
        elif current and DIRECT.search(line):
            direct.add(current)
    return pins, direct


def wanted_requirements(pyproject: dict) -> list[Requirement]:
    project = pyproject["project"]
    texts = list(project.get("dependencies", []))
    for extra in EXTRAS:
        texts += project.get("optional-dependencies", {}).get(extra, [])
    return [Requirement(text) for text in texts]


def lock_problems(requirements: list[Requirement], pins: dict[str, Version], direct: set[str]) -> list[str]:
    problems = []
    wanted = set()
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # not for this platform / Python
        name = canonicalize_name(requirement.name)
        wanted.add(name)
        pinned = pins.get(name)
        if pinned is None:
            problems.append(f"{requirement.name} ({requirement}) is not in requirements.lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}=={pinned} in requirements.lock is outside {requirement}")
    for name in sorted(direct - wanted):
        problems.append(f"{name} is locked as a dependency of pyproject.toml, which no longer asks for it")
    return problems


def installed_differences(pins: dict[str, Version]) -> list[str]:
    differences = []
    for name, pinned in sorted(pins.items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            differences.append(f"{name}: locked {pinned}, not installed")
            continue
        if Version(installed) != pinned:
            differences.append(f"{name}: locked {pinned}, installed {installed}")
    return differences


def check() -> int:
    pins, direct = read_lock(LOCK.read_text(encoding="utf-8"))
    problems = lock_problems(wanted_requirements(tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))), pins, direct)
    for problem in problems:
        print(f"requirements.lock: {problem}", file=sys.stderr)
    if problems:
        print(f"requirements.lock does not match pyproject.toml: run `{REGENERATE}` and commit it.", file=sys.stderr)
        return 1
    differences = installed_differences(pins)
    print(f"requirements.lock agrees with pyproject.toml ({len(pins)} pinned packages, with hashes).")
    if differences:
        print(f"The installed environment differs from the lock in {len(differences)} package(s) (not an error):")
        for difference in differences:
            print(f"  {difference}")
    return 0


# --- an audit against a local OSV dump -------------------------------------------------------------


def osv_records(dump: Path) -> Iterator[dict]:
    """Every OSV record of a folder of JSON files (searched recursively) or of a zip of them."""
    if dump.is_dir():
        for path in sorted(dump.rglob("*.json")):
            yield json.loads(path.read_text(encoding="utf-8"))
        return
    with zipfile.ZipFile(dump) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".json"):
                yield json.loads(archive.read(name))


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_ranges(version: Version, ranges: list[dict]) -> bool:
    """OSV ECOSYSTEM ranges: affected from each "introduced" until the next "fixed" (excluded)
    or "last_affected" (included)."""
    for version_range in ranges:
        if version_range.get("type") != "ECOSYSTEM":
            continue
        affected = False
        events = version_range.get("events", [])
        starts = [
            (_version(e["introduced"]) if e["introduced"] != "0" else Version("0")) for e in events if "introduced" in e
        ]
        ends = [
            (e, _version(e.get("fixed") or e.get("last_affected") or ""))
            for e in events
            if "fixed" in e or "last_affected" in e
        ]
        for start in starts:
            if start is None or version < start:
                continue
            later_ends = [(event, end) for event, end in ends if end is not None and end >= start]
            if not later_ends:
                affected = True
                break
            event, end = min(later_ends, key=lambda pair: pair[1])
            if version < end or ("last_affected" in event and version == end):
                affected = True
                break
        if affected:
            return True
    return False


def affected_pins(records: Iterator[dict], pins: dict[str, Version]) -> list[tuple[str, Version, str, str]]:
    """(package, version, advisory id, summary) for every pin an advisory affects."""
    found = []
    for record in records:
        if record.get("withdrawn"):
            continue
        for affected in record.get("affected", []):
            package = affected.get("package", {})
            if package.get("ecosystem") != "PyPI":
                continue
            name = canonicalize_name(package.get("name", ""))
            pinned = pins.get(name)
            if pinned is None:
                continue
            listed = {v for v in (_version(text) for text in affected.get("versions", [])) if v is not None}
            if pinned in listed or _in_ranges(pinned, affected.get("ranges", [])):
                found.append((name, pinned, record.get("id", "?"), record.get("summary", "")))
                break
    return found


def osv(dump: Path) -> int:
    pins, _direct = read_lock(LOCK.read_text(encoding="utf-8"))
    records = 0

    def counted() -> Iterator[dict]:
        nonlocal records
        for record in osv_records(dump):
            records += 1
            yield record

    found = affected_pins(counted(), pins)
    if records == 0:
        print(f"No OSV records in {dump}: nothing was audited.", file=sys.stderr)
        return 2
    for name, version, advisory, summary in found:
        print(f"{name}=={version}: {advisory} {summary}".rstrip())
    print(f"{len(pins)} locked packages checked against {records} OSV records in {dump}: {len(found)} affected.")
    return 1 if found else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"] and len(argv) == 1:
        return check()
    if argv[:1] == ["osv"] and len(argv) == 2:
        return osv(Path(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
