"""A night unit's capacity for one report: seeing it, and confirming (or correcting) it.

A roll-over carries every night unit's capacity over from the previous report, moved forward
a period; it waits "att bekräfta" until someone from the unit (or an admin) confirms it. The
unit's members may correct the places and dates as they confirm. Occupancy tables compute
offered bed-nights from this schedule, so a confirmation is recorded in the activity log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from webapp.extensions import db
from webapp.i18n import N_
from webapp.input_errors import InputProblem, InputRefused
from webapp.models import Block, ReportCapacity, UnitKind, User
from webapp.models.base import utcnow
from webapp.permissions import PermissionDenied, StateForbids, is_block_writer
from webapp.services import audit

MAX_PLACES = 10_000
MAX_ENTRIES = 20


@dataclass(frozen=True)
class EntryInput:
    """One row of the capacity form as posted (any field may be missing)."""

    places: int | None
    from_date: date | None
    until_date: date | None

    @property
    def is_blank(self) -> bool:
        return self.places is None and self.from_date is None and self.until_date is None


class CapacityInputError(InputRefused):
    """The posted schedule was refused; ``problems`` say which row and why (``message``: the
    schedule as a whole). Nothing was saved."""


def capacity_for_block(block: Block) -> ReportCapacity | None:
    """The report's capacity for the block's unit, shown on the unit's own (not joint) night blocks."""
    if block.joint or block.unit.kind != UnitKind.NIGHT:
        return None
    return next((c for c in block.report.capacities if c.unit_id == block.unit_id), None)


def may_confirm(user: User, block: Block) -> bool:
    return not block.report.is_locked and is_block_writer(user, block)


def require_confirmer(user: User, block: Block) -> None:
    if block.report.is_locked:
        raise StateForbids("Rapporten är låst. Kapaciteten kan inte ändras.")
    if not is_block_writer(user, block):
        raise PermissionDenied("Bara verksamhetens egna skribenter (och administratörer) kan bekräfta kapaciteten.")


def check_entries(rows: list[EntryInput], period_start: date, period_end: date) -> list[InputProblem]:
    """Problems with the posted rows; blank rows are ignored."""
    problems = []
    for index, row in enumerate(rows):
        if row.is_blank:
            continue
        if row.places is None:
            problems.append(InputProblem("places", N_("Ange antal platser."), row=index))
        elif not 1 <= row.places <= MAX_PLACES:
            problems.append(
                InputProblem(
                    "places", N_("Antal platser ska vara mellan 1 och %(max)s."), {"max": MAX_PLACES}, row=index
                )
            )
        if row.from_date and row.until_date and row.until_date < row.from_date:
            problems.append(InputProblem("until_date", N_("Slutdatum kan inte ligga före startdatum."), row=index))
        elif (row.until_date and row.until_date < period_start) or (row.from_date and row.from_date > period_end):
            problems.append(
                InputProblem(
                    "from_date",
                    N_("Raden ligger utanför rapportperioden (%(start)s – %(end)s)."),
                    {"start": period_start.isoformat(), "end": period_end.isoformat()},
                    row=index,
                )
            )
    return problems


def confirm_capacity(capacity: ReportCapacity, block: Block, user: User, rows: list[EntryInput]) -> bool:
    """Confirm the unit's capacity for the report, as posted (corrections included).

    Returns whether the entries changed. Refused (nothing saved) for a locked report, for
    someone outside the unit, and for invalid rows.
    """
    require_confirmer(user, block)
    report = capacity.report
    problems = check_entries(rows, report.period_start, report.period_end)
    filled = [row for row in rows if not row.is_blank]
    if not problems and not filled:
        raise CapacityInputError(N_("Ange minst en rad med antal platser."))
    if len(filled) > MAX_ENTRIES:
        raise CapacityInputError(N_("Högst %(n)s rader."), n=MAX_ENTRIES)
    if problems:
        raise CapacityInputError(problems=problems)
    entries = [
        [
            row.places,
            row.from_date.isoformat() if row.from_date else None,
            row.until_date.isoformat() if row.until_date else None,
        ]
        for row in filled
    ]
    before = [list(entry) for entry in capacity.entries]
    corrected = entries != before
    capacity.entries = entries
    capacity.confirmed_at = utcnow()
    capacity.confirmed_by_id = user.id
    db.session.flush()
    audit.record(
        "capacity.confirmed",
        user=user,
        block=block,
        details={
            "unit": block.unit.key,
            "entries": entries,
            "previous_entries": before,
            "corrected": corrected,
            "carried_over": capacity.carried_over,
        },
    )
    return corrected
