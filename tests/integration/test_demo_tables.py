"""The demo's statistics tables, read back from the database and worked out by the engine.

The 2021–22 report carries the seed's figures as they were entered; every sum, share and
occupancy below comes from the engine, never from the data file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Block, Report, TemplateSection, Unit
from webapp.services.demo import demo_table_json
from webapp.statistics.aggregate import UnitTable, aggregate
from webapp.statistics.cells import TableData
from webapp.statistics.compute import ComputeContext, compute
from webapp.statistics.presets import build_spec
from webapp.statistics.validate import Level, unresolved, validate

REPORT_2021, REPORT_2022 = 1, 2
NIGHT_UNITS = ("convictus-natt", "stadsmissionen-natt", "fa-arsta", "fa-liljeholmen")


def _context(block: Block) -> ComputeContext:
    unit, report = block.unit, block.report
    return ComputeContext(report.period_start, report.period_end, unit.schedule)


def _spec(block: Block, key: str):
    entry = next(e for e in block.section.table_specs if e["key"] == key)
    return build_spec(entry, block.report.period_start, block.report.period_end)


def _blocks(report_id: int) -> list[Block]:
    statement = (
        select(Block)
        .where(Block.report_id == report_id)
        .options(
            joinedload(Block.unit),
            joinedload(Block.section),
            joinedload(Block.report),
            joinedload(Block.current_revision),
        )
    )
    return list(db.session.scalars(statement).unique())


def _block(section: str, unit: str, report_id: int = REPORT_2021) -> Block:
    return db.session.scalars(
        select(Block)
        .join(Block.section)
        .join(Block.unit)
        .where(Block.report_id == report_id, TemplateSection.key == section, Unit.key == unit, Block.joint.is_(False))
    ).one()


def _data(block: Block, key: str) -> TableData:
    return TableData.from_json(block.current_revision.tables[key])


def _table(section: str, unit: str, key: str, report_id: int = REPORT_2021):
    block = _block(section, unit, report_id)
    return compute(_spec(block, key), _data(block, key), _context(block))


@pytest.fixture
def session(app, demo):
    with app.app_context():
        yield db.session
        db.session.remove()


def test_demo_reports_keep_their_ids(session):
    titles = {r.id: r.title for r in session.scalars(select(Report))}
    assert "2021-11-01" in titles[REPORT_2021] and "2022-11-01" in titles[REPORT_2022]


def test_stadsmissionen_december_occupancy_uses_its_fifty_places(session):
    december = _table("natt-belaggning", "stadsmissionen-natt", "occupancy").row("2021-12")
    assert (december["nights"].value, december["offered"].value) == (1054, 1550)
    assert december["offered"].defaulted
    assert december["occupancy"].text == "68,0\u00a0%"


def test_arsta_period_occupancy(session):
    total = _table("natt-belaggning", "fa-arsta", "occupancy").total
    assert (total["nights"].value, total["offered"].value) == (3402, 4344)
    assert total["occupancy"].text == "78,3\u00a0%"


def test_liljeholmen_capacity_follows_its_dates(session):
    capacity = _table("natt-platser", "fa-liljeholmen", "capacity")
    assert (capacity.rows[0]["nights"].value, capacity.total["bed_nights"].value) == (138, 3312)
    november = _table("natt-belaggning", "fa-liljeholmen", "occupancy").row("2021-11")
    assert (november["nights"].value, november["offered"].value) == (44, 48)


def test_the_joint_night_table_adds_up_the_four_units(session):
    blocks = [_block("natt-belaggning", unit) for unit in NIGHT_UNITS]
    spec = _spec(blocks[0], "occupancy")
    units = [UnitTable(b.unit.key, b.unit.name, _data(b, "occupancy"), _context(b)) for b in blocks]
    context = ComputeContext(blocks[0].report.period_start, blocks[0].report.period_end)
    joint = aggregate(spec, units, context)
    assert joint.complete
    nights = [row["nights"].value for row in joint.table.rows]
    assert nights == [2302, 2462, 2178, 2415, 2566, 2322]
    assert joint.table.total["nights"].value == 14245
    assert sum(_table("natt-belaggning", u, "occupancy").row("2021-11")["nights"].value for u in NIGHT_UNITS) == 2302


def test_kafe_norrmalm_visits(session):
    total = _table("dag-besok", "kafe-norrmalm", "visits").total
    assert total["total"].value == 6715
    assert round(total["women_share"].value) == 27


def test_crossroads_visits_are_a_period_figure(session):
    table = _table("dag-besok", "crossroads", "visits")
    assert table.total["total"].value == 5208
    assert table.total["women_share"].value == Decimal(18)
    assert table.figures["unique_visitors"].value == 606


def test_crossroads_advice(session):
    table = _table("dag-rad-stod", "crossroads", "advice")
    assert table.total["total"].value == 1087
    assert [row["total"].value for row in table.rows] == [191, 218, 248, 430]


def test_extra_cold_nights(session):
    table = _table("natt-ekn", "ng-inskrivning", "ekn")
    assert table.summary["rows"].value == 11
    assert (table.total["men"].value, table.total["women"].value, table.total["total"].value) == (173, 96, 269)


def test_tickets_leave_the_blank_months_blank(session):
    table = _table("natt-biljetter", "ng-inskrivning", "tickets")
    assert (table.total["total.places"].value, table.total["total.tickets"].value) == (5091, 2827)
    assert table.row("2022-02")["no_place"].text == ""


def test_unique_participants_and_respondents(session):
    assert _table("natt-unika", "ng-inskrivning", "unique").row("women")["value"].value == 143
    assert _table("natt-unika", "convictus-natt", "unique").row("total")["value"].text == "ej tillämpligt"
    assert _table("natt-unika", "fa-arsta", "unique").row("total")["value"].text == "uppgift saknas"
    respondents = {
        unit: _table("gem-brukarundersokningar", unit, "respondents").row("respondents")["value"].value
        for unit in ("crossroads", "eu-center", "fa-arsta", "stadsmissionen-natt")
    }
    assert respondents == {"crossroads": 34, "eu-center": 25, "fa-arsta": 19, "stadsmissionen-natt": 29}


def test_every_2021_table_parses_and_validates_without_errors(session):
    seen = 0
    for block in _blocks(REPORT_2021):
        tables = block.current_revision.tables or {}
        if block.joint:
            assert tables == {}, f"joint block {block.section.key} carries tables"
            continue
        entries = {e["key"] for e in block.section.table_specs}
        assert set(tables) == entries, f"{block.section.key}/{block.unit.key}"
        for key in tables:
            data = _data(block, key)
            issues = validate(_spec(block, key), data, _context(block))
            errors = [i.message for i in issues if i.level is Level.ERROR]
            assert errors == [], f"{block.section.key}/{block.unit.key}/{key}: {errors}"
            # The locked report's blocks were approved: nothing is left unexplained.
            assert unresolved(issues, data.justifications) == (), f"{block.section.key}/{block.unit.key}/{key}"
            seen += 1
    assert seen >= 50


def test_the_open_report_warns_about_a_fall_against_last_period(session):
    previous = _table("natt-belaggning", "fa-arsta", "occupancy")
    block = _block("natt-belaggning", "fa-arsta", REPORT_2022)
    issues = validate(_spec(block, "occupancy"), _data(block, "occupancy"), _context(block), previous)
    changes = {(i.row_key, i.column_key) for i in issues if i.code == "change"}
    assert ("2022-12", "nights") in changes and {row for row, _ in changes} == {"2022-12"}
    assert not any(i.is_error for i in issues)
    visits = _table("dag-besok", "kafe-norrmalm", "visits", REPORT_2022)
    assert [row["total"].state.value for row in visits.rows].count("value") == 3


def test_the_demo_tables_form_is_checked_against_the_spec():
    entry = {"key": "occupancy", "kind": "occupancy"}
    spec = build_spec(entry, date(2021, 11, 1), date(2022, 4, 30))
    stored = demo_table_json(
        spec, {"columns": ["women", "men"], "rows": {"2021-11": [465, "ej tillämpligt"]}, "fill": "uppgift saknas"}
    )
    assert stored["rows"][0] == {
        "key": "2021-11",
        "label": None,
        "cells": {"women": {"v": 465}, "men": {"s": "not_applicable"}},
    }
    assert stored["rows"][1]["cells"] == {"women": {"s": "missing"}, "men": {"s": "missing"}}  # offered: default
    for bad, fragment in (
        ({"columns": ["kids"], "rows": {}}, "okänd kolumn"),
        ({"columns": ["women"], "rows": {"2031-01": [1]}}, "okänd rad"),
        ({"columns": ["women", "men"], "rows": {"2021-11": [1]}}, "1 värden"),
        ({"colour": "red"}, "okänt fält"),
        ({"fill": "noll"}, "fill"),
    ):
        with pytest.raises(ValueError, match=fragment):
            demo_table_json(spec, bad)
