"""Organisations and their units, as the admin manages them: names, kinds, capacity, closing down.

Nothing is deleted: a unit that closes is deactivated, keeps its blocks and members, and gets
no blocks in new reports (``Unit.is_open_during`` is False for it). Capacity schedule entries
add up where they overlap (extra beds for a cold spell are one more entry), as in the engine.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.i18n import N_
from webapp.input_errors import InputRefused
from webapp.models import Block, Organisation, Report, Unit, UnitCapacity, UnitKind, User
from webapp.services import audit
from webapp.services.accounts import clean_name

KEY_LENGTH = 60
MAX_PLACES = 10_000
INSERT_ATTEMPTS = 3
Row = TypeVar("Row", Organisation, Unit)


# --- Reading --------------------------------------------------------------------------------------


def list_organisations() -> list[Organisation]:
    """Every organisation with its units and their schedules (three queries)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .options(selectinload(Organisation.units).selectinload(Unit.capacity))
            .order_by(func.lower(Organisation.name))
        )
    )


def load_organisation(organisation_id: int) -> Organisation | None:
    return db.session.scalars(
        select(Organisation)
        .where(Organisation.id == organisation_id)
        .options(selectinload(Organisation.units).selectinload(Unit.capacity))
    ).first()


def load_unit(unit_id: int) -> Unit | None:
    return db.session.scalars(
        select(Unit).where(Unit.id == unit_id).options(selectinload(Unit.capacity), selectinload(Unit.organisation))
    ).first()


@dataclass(frozen=True)
class ReportHistory:
    report: Report
    blocks: int


def unit_history(unit: Unit) -> list[ReportHistory]:
    """The reports the unit has blocks in, newest first, with how many: what deactivating keeps."""
    rows = db.session.execute(
        select(Report, func.count(Block.id))
        .join(Block, Block.report_id == Report.id)
        .where(Block.unit_id == unit.id)
        .group_by(Report.id)
        .order_by(Report.period_start.desc())
    ).all()
    return [ReportHistory(report, count) for report, count in rows]


@dataclass(frozen=True)
class ScheduleSpan:
    """Dates over which the places per night add up to the same total (open ends are None)."""

    from_date: date | None
    until_date: date | None
    places: int


def schedule_totals(entries: list[UnitCapacity]) -> list[ScheduleSpan]:
    """Places per night over time, overlapping entries added up; spans with no places left out."""
    edges = sorted(
        {entry.from_date for entry in entries if entry.from_date}
        | {entry.until_date + timedelta(days=1) for entry in entries if entry.until_date}
    )
    starts: list[date | None] = [None, *edges]
    spans: list[ScheduleSpan] = []
    for index, start in enumerate(starts):
        end = edges[index] - timedelta(days=1) if index < len(edges) else None
        places = sum(
            entry.places
            for entry in entries
            if (entry.from_date is None or start is not None and entry.from_date <= start)
            and (entry.until_date is None or end is not None and entry.until_date >= end)
        )
        if not places:
            continue
        if (
            spans
            and spans[-1].places == places
            and spans[-1].until_date is not None
            and start is not None
            and spans[-1].until_date + timedelta(days=1) == start
        ):
            spans[-1] = ScheduleSpan(spans[-1].from_date, end, places)
        else:
            spans.append(ScheduleSpan(start, end, places))
    return spans


def has_overlaps(entries: list[UnitCapacity]) -> bool:
    return any(
        a.overlaps(b.from_date or date.min, b.until_date or date.max)
        for i, a in enumerate(entries)
        for b in entries[i + 1 :]
    )


# --- Keys and names -------------------------------------------------------------------------------


def slugify(name: str) -> str:
    """ "Frälsningsarmén Årsta" → "fralsningsarmen-arsta"."""
    plain = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[: KEY_LENGTH - 4].strip("-")


def _unique_key(model: type[Organisation] | type[Unit], name: str, fallback: str) -> str:
    base = slugify(name) or fallback
    taken = set(db.session.scalars(select(model.key).where(model.key.like(f"{base}%"))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _insert_with_free_key(make_row: Callable[[], Row], refuse_duplicate_name: Callable[[], None]) -> Row:
    """Insert the row ``make_row`` builds (its key chosen from what is committed now) in a savepoint.

    Two admins creating at the same moment both pass the name check; the second insert then
    hits the unique key. Only the savepoint rolls back: the same name is refused on the form,
    a different name whose key was taken gets the next free key.
    """
    for _attempt in range(INSERT_ATTEMPTS):
        row = make_row()
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            refuse_duplicate_name()
            continue
        return row
    raise InputRefused(N_("Någon annan skapade något med ett liknande namn samtidigt. Försök igen."), "name")


def _clean_kind(kind: str) -> UnitKind:
    try:
        return UnitKind(kind)
    except ValueError:
        raise InputRefused(N_("Välj en typ av verksamhet."), "kind") from None


# --- Organisations --------------------------------------------------------------------------------


def _refuse_duplicate_organisation_name(name: str) -> None:
    if db.session.scalar(select(Organisation.id).where(func.lower(Organisation.name) == name.lower())):
        raise InputRefused(N_("Det finns redan en organisation med det namnet."), "name")


def create_organisation(name: str, *, by: User) -> Organisation:
    name = clean_name(name)
    _refuse_duplicate_organisation_name(name)
    organisation = _insert_with_free_key(
        lambda: Organisation(key=_unique_key(Organisation, name, "organisation"), name=name),
        lambda: _refuse_duplicate_organisation_name(name),
    )
    audit.record(
        "organisation.created",
        user=by,
        details={"organisation_id": organisation.id, "key": organisation.key, "name": name},
    )
    return organisation


def rename_organisation(organisation: Organisation, name: str, *, by: User) -> bool:
    name = clean_name(name)
    if name == organisation.name:
        return False
    if db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower(), Organisation.id != organisation.id)
    ):
        raise InputRefused(N_("Det finns redan en organisation med det namnet."), "name")
    audit.record(
        "organisation.renamed",
        user=by,
        details={"organisation_id": organisation.id, "key": organisation.key, "from": organisation.name, "to": name},
    )
    organisation.name = name
    db.session.flush()
    return True


# --- Units ----------------------------------------------------------------------------------------


def _refuse_duplicate_unit_name(name: str, except_id: int | None = None) -> None:
    statement = select(Unit.id).where(func.lower(Unit.name) == name.lower())
    if except_id is not None:
        statement = statement.where(Unit.id != except_id)
    if db.session.scalar(statement):
        raise InputRefused(N_("Det finns redan en verksamhet med det namnet."), "name")


def create_unit(organisation: Organisation, name: str, kind: str, *, by: User) -> Unit:
    name, unit_kind = clean_name(name), _clean_kind(kind)
    _refuse_duplicate_unit_name(name)
    unit = _insert_with_free_key(
        lambda: Unit(
            key=_unique_key(Unit, name, "verksamhet"),
            organisation_id=organisation.id,
            name=name,
            kind=unit_kind,
            active=True,
        ),
        lambda: _refuse_duplicate_unit_name(name),
    )
    audit.record(
        "unit.created",
        user=by,
        details={
            "unit_id": unit.id,
            "key": unit.key,
            "name": name,
            "kind": unit_kind.value,
            "organisation": organisation.key,
        },
    )
    return unit


def update_unit(unit: Unit, name: str, kind: str, *, by: User) -> bool:
    """Rename and/or change the kind. The kind decides the sections of reports created later;
    existing reports keep their blocks."""
    name, unit_kind = clean_name(name), _clean_kind(kind)
    changes = {}
    if name != unit.name:
        _refuse_duplicate_unit_name(name, except_id=unit.id)
        changes["name"] = [unit.name, name]
    if unit_kind != unit.kind:
        changes["kind"] = [str(unit.kind), unit_kind.value]
    if not changes:
        return False
    unit.name, unit.kind = name, unit_kind
    audit.record("unit.changed", user=by, details={"unit_id": unit.id, "key": unit.key, **changes})
    db.session.flush()
    return True


def deactivate_unit(unit: Unit, *, by: User) -> bool:
    if not unit.active:
        return False
    unit.active = False
    audit.record("unit.deactivated", user=by, details={"unit_id": unit.id, "key": unit.key, "name": unit.name})
    db.session.flush()
    return True


def reactivate_unit(unit: Unit, *, by: User) -> bool:
    if unit.active:
        return False
    unit.active = True
    audit.record("unit.reactivated", user=by, details={"unit_id": unit.id, "key": unit.key, "name": unit.name})
    db.session.flush()
    return True


# --- Capacity schedule ----------------------------------------------------------------------------


def _clean_capacity(unit: Unit, places: int | None, from_date: date | None, until_date: date | None) -> int:
    if unit.kind != UnitKind.NIGHT:
        raise InputRefused(N_("Bara nattverksamheter har platser per natt."))
    if places is None or places <= 0:
        raise InputRefused(N_("Antalet platser per natt ska vara större än 0."), "places")
    if places > MAX_PLACES:
        raise InputRefused(N_("Högst %(max)s platser per natt."), "places", max=MAX_PLACES)
    if from_date and until_date and from_date > until_date:
        raise InputRefused(N_("Slutdatumet kommer före startdatumet."), "until_date")
    return places


def _entry_details(entry: UnitCapacity) -> dict:
    return {
        "places": entry.places,
        "from": entry.from_date.isoformat() if entry.from_date else None,
        "until": entry.until_date.isoformat() if entry.until_date else None,
    }


def add_capacity(
    unit: Unit, places: int | None, from_date: date | None, until_date: date | None, *, by: User
) -> UnitCapacity:
    places = _clean_capacity(unit, places, from_date, until_date)
    entry = UnitCapacity(places=places, from_date=from_date, until_date=until_date)
    unit.capacity.append(entry)
    db.session.flush()
    audit.record(
        "unit.capacity_added",
        user=by,
        details={"unit_id": unit.id, "key": unit.key, "entry_id": entry.id, **_entry_details(entry)},
    )
    return entry


def find_capacity(unit: Unit, entry_id: int) -> UnitCapacity | None:
    return next((entry for entry in unit.capacity if entry.id == entry_id), None)


def update_capacity(
    unit: Unit, entry: UnitCapacity, places: int | None, from_date: date | None, until_date: date | None, *, by: User
) -> bool:
    places = _clean_capacity(unit, places, from_date, until_date)
    before = _entry_details(entry)
    entry.places, entry.from_date, entry.until_date = places, from_date, until_date
    after = _entry_details(entry)
    if before == after:
        return False
    audit.record(
        "unit.capacity_changed",
        user=by,
        details={"unit_id": unit.id, "key": unit.key, "entry_id": entry.id, "from_entry": before, "to_entry": after},
    )
    db.session.flush()
    return True


def remove_capacity(unit: Unit, entry: UnitCapacity, *, by: User) -> None:
    """Reports already created keep their own copy of the schedule; only new reports see the change."""
    audit.record(
        "unit.capacity_removed",
        user=by,
        details={"unit_id": unit.id, "key": unit.key, "entry_id": entry.id, **_entry_details(entry)},
    )
    unit.capacity.remove(entry)
    db.session.flush()
