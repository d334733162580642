"""The document's table helpers: which charts a table gets, captions, notes; no database."""

from __future__ import annotations

from datetime import date

from webapp.document.build import cell_notes, is_filled, joint_caption, table_charts
from webapp.statistics.capacity import CapacityEntry
from webapp.statistics.cells import TableData
from webapp.statistics.compute import ComputeContext, compute
from webapp.statistics.presets import build_spec

START, END = date(2022, 11, 1), date(2023, 4, 30)
OCCUPANCY = build_spec({"key": "occupancy", "kind": "occupancy", "title": "Beläggning per månad"}, START, END)
VISITS = build_spec({"key": "visits", "kind": "visits", "title": "Besök per månad"}, START, END)
LOG = build_spec({"key": "ekn", "kind": "log", "title": "Extra kalla nätter"}, START, END)
CONTEXT = ComputeContext(START, END, (CapacityEntry(50),))


def _data(rows: dict, **extra) -> TableData:
    return TableData.from_json({"rows": [{"key": k, "cells": v} for k, v in rows.items()], **extra})


def test_an_occupancy_table_gets_its_occupancy_chart_and_the_joint_one_women_and_men_too():
    table = compute(OCCUPANCY, _data({"2022-12": {"women": {"v": 172}, "men": {"v": 882}}}), CONTEXT)
    charts = table_charts(table, subject="Stadsmissionens nattverksamhet", id_prefix="d-1")
    assert len(charts) == 1
    chart = charts[0]
    assert 'class="chart chart-occupancy"' in chart.svg and 'id="d-1-belaggning-title"' in chart.svg
    assert chart.text.startswith("Beläggning per månad, Stadsmissionens nattverksamhet: november saknas, december 68,0")
    assert ">Beläggning per månad</text>" in chart.svg  # a short visible title; the caption says whose
    both = table_charts(table, subject="alla nattverksamheter", id_prefix="d-2", gender_too=True)
    assert [c.svg.split('class="chart chart-')[1].split('"')[0] for c in both] == ["occupancy", "gender"]
    assert "Gästnätter per månad, kvinnor och män, alla nattverksamheter:" in both[1].text


def test_no_chart_without_a_figure_to_draw_or_without_months():
    empty = compute(OCCUPANCY, TableData(), CONTEXT)
    assert table_charts(empty) == ()
    log = compute(LOG, _data({"r1": {"date": {"v": "2023-01-12"}, "place": {"v": "Kyrkan"}, "men": {"v": 3}}}), CONTEXT)
    assert table_charts(log) == ()
    totals_only = compute(VISITS, _data({"2022-11": {"total": {"v": 900}}}), CONTEXT)
    assert table_charts(totals_only) == ()  # no women/men: nothing to draw, no chart of "saknas"


def test_visits_get_women_and_men_bars():
    visits = compute(VISITS, _data({"2022-11": {"women": {"v": 300}, "men": {"v": 1000}}}), CONTEXT)
    (chart,) = table_charts(visits, subject="Kafé Norrmalm")
    assert "chart-gender" in chart.svg and chart.text.startswith("Besök per månad, kvinnor och män, Kafé Norrmalm:")


def test_filled_notes_and_joint_captions():
    assert not is_filled(TableData())
    assert not is_filled(_data({"2022-11": {}}))
    assert is_filled(_data({"2022-11": {"women": {"s": "missing"}}}))
    assert is_filled(TableData.from_json({"rows": [], "figures": {"unique_visitors": {"v": 5}}}))
    data = _data({"2022-12": {"women": {"v": 1}}}, notes={"offered:2022-12": "Två rum stängda"})
    assert cell_notes(compute(OCCUPANCY, data, CONTEXT), data) == ("Erbjudna sängplatser, december: Två rum stängda",)
    assert joint_caption(OCCUPANCY, ["night"]) == "Beläggning per månad, alla nattverksamheter"
    assert joint_caption(VISITS, ["day"]) == "Besök per verksamhet under perioden, alla dagverksamheter"
    assert joint_caption(OCCUPANCY, ["night", "day"]) == "Beläggning per månad, alla verksamheter"
