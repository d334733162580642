"""The SVG charts: well-formed, accessible, CSP-safe, escaped, Swedish, honest about gaps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from io import BytesIO

import pytest
from markupsafe import Markup

from webapp.document.charts import (
    HEIGHT,
    WIDTH,
    gender_bars_svg,
    gender_text_alternative,
    month_categories,
    occupancy_svg,
    occupancy_text_alternative,
)

SVG = "{http://www.w3.org/2000/svg}"
NNBSP = "\u202f"  # thousands
NBSP = "\u00a0"  # before %

MONTHS = month_categories([11, 12, 1, 2, 3, 4])


def gender(**overrides):
    arguments = dict(
        title="Gästnätter per månad",
        categories=MONTHS,
        women=[120, 95, None, 140, 0, 60],
        men=[1340, 1200, 1100, None, 1420, 900],
    )
    arguments.update(overrides)
    return gender_bars_svg(**arguments)


def occupancy(**overrides):
    arguments = dict(
        title="Beläggning per månad",
        categories=MONTHS,
        percents=[77.5, 62.3, None, 104.2, 88.0, 50.0],
    )
    arguments.update(overrides)
    return occupancy_svg(**arguments)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def bars(root: ET.Element, series: str | None = None) -> list[ET.Element]:
    found = []
    for rect in root.iter(f"{SVG}rect"):
        classes = (rect.get("class") or "").split()
        if "bar" in classes and (series is None or series in classes):
            found.append(rect)
    return found


def missing_marks(root: ET.Element) -> list[ET.Element]:
    return [t for t in root.iter(f"{SVG}text") if t.get("class") == "missing"]


def desc_of(root: ET.Element) -> str:
    return root.find(f"{SVG}desc").text


CHARTS = pytest.mark.parametrize("make", [gender, occupancy], ids=["gender", "occupancy"])


# ------------------------------------------------------------------ structure


@CHARTS
def test_is_well_formed_svg_with_a_fixed_viewbox(make):
    svg = make()
    assert isinstance(svg, str) and isinstance(svg, Markup)  # safe to put inline in Jinja
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    assert "chart" in root.get("class").split()


@CHARTS
def test_role_img_labelled_by_its_title_and_desc(make):
    root = parse(make())
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.get("id") == title_id and title.text
    assert desc.get("id") == desc_id and desc.text
    # Title and desc come first, as the accessible name and description.
    assert [child.tag for child in root][:2] == [f"{SVG}title", f"{SVG}desc"]


@CHARTS
def test_every_id_is_unique_and_every_reference_resolves(make):
    root = parse(make())
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    for element in root.iter():
        for value in element.attrib.values():
            for reference in re.findall(r"url\(#([^)]+)\)", value):
                assert reference in ids


def test_ids_differ_between_charts_on_one_page():
    ids = {
        parse(chart).get("aria-labelledby")
        for chart in (
            gender(),
            gender(women=[1, 2, 3, 4, 5, 6]),  # same title, other data
            gender(title="Besök per månad"),
            occupancy(),
            occupancy(percents=[1, 2, 3, 4, 5, 6]),
        )
    }
    assert len(ids) == 5
    # … and are stable, so the HTML preview and the PDF agree.
    assert gender() == gender()


def test_ids_are_valid_xml_names_even_for_odd_titles():
    root = parse(occupancy(title="  100 % — ÅÄÖ <b>!  "))
    for element in root.iter():
        if element.get("id"):
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", element.get("id"))


def test_an_explicit_chart_id_is_used_and_checked():
    root = parse(occupancy(chart_id="natt-1-belaggning"))
    assert root.get("aria-labelledby") == "natt-1-belaggning-title natt-1-belaggning-desc"
    hatch = parse(gender(chart_id="dag-2")).find(f"{SVG}defs/{SVG}pattern")
    assert hatch.get("id").startswith("dag-2-")
    with pytest.raises(ValueError):
        occupancy(chart_id='x" onload="alert(1)')
    with pytest.raises(ValueError):
        occupancy(chart_id="1abc")


@CHARTS
def test_no_inline_styles_anywhere(make):
    svg = make(
        categories=["a", "b", "c"],
        **({"women": [1, None, 3], "men": [4, 5, None]} if make is gender else {"percents": [10, None, 130]}),
    )
    root = parse(svg)
    assert root.find(f".//{SVG}style") is None
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
    assert not re.search(r"\sstyle\s*=", svg) and "<style" not in svg


@CHARTS
def test_text_is_legible_in_the_pdf(make):
    root = parse(make())
    assert "DejaVu Sans" in root.get("font-family")
    sizes = [float(root.get("font-size"))]
    sizes += [float(t.get("font-size")) for t in root.iter(f"{SVG}text") if t.get("font-size")]
    assert min(sizes) >= 11


def test_colours_are_the_colour_blind_safe_pair_and_women_are_hatched():
    root = parse(gender())
    men = bars(root, "men")
    women = bars(root, "women")
    assert {bar.get("fill") for bar in men} == {"#0b5cad"}
    pattern = root.find(f"{SVG}defs/{SVG}pattern")
    assert {bar.get("fill") for bar in women} == {f"url(#{pattern.get('id')})"}
    assert "#d55e00" in {rect.get("fill") for rect in pattern.iter(f"{SVG}rect")}
    legend = root.find(f".//{SVG}g[@class='legend']")
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["Kvinnor", "Män"]


# ------------------------------------------------------------------ escaping


def test_user_text_is_escaped():
    evil = '<script>alert("x")</script>'
    svg = gender(
        title=f"Besök & {evil}",
        categories=["nov", evil, "jan"],
        women=[1, 2, 3],
        men=[4, 5, 6],
    )
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)  # still well-formed
    assert root.find(f".//{SVG}script") is None
    assert root.find(f"{SVG}title").text == f"Besök & {evil}"
    assert evil in desc_of(root)
    # The category label under the bars is the same text (maybe shortened), escaped.
    assert any(t.startswith("<script") for t in texts(root))


def test_occupancy_escapes_too_and_description_override_is_escaped():
    svg = occupancy(
        categories=["<b>nov</b>", "dec", "jan", "feb", "mar", "apr"],
        description='Egen text <img src=x onerror="alert(1)">',
    )
    assert "<b>" not in svg and "<img" not in svg
    root = parse(svg)
    assert desc_of(root) == 'Egen text <img src=x onerror="alert(1)">'
    assert "<b>nov</b>" in texts(root)


# ------------------------------------------------------------------ missing ≠ zero


def test_gender_missing_values_get_no_bar_and_say_saknas():
    root = parse(gender())
    # Six months, women missing in jan, men missing in feb; women 0 in mar.
    assert len(bars(root, "women")) == 4  # nov, dec, feb, apr (mar is 0: no height)
    assert len(bars(root, "men")) == 5
    assert len(missing_marks(root)) == 2
    for rect in bars(root):
        assert float(rect.get("height")) > 0
    assert "0" in texts(root)  # the zero is said out loud, not left blank
    desc = desc_of(root)
    assert "januari kvinnor saknas, män 1\u202f100" in desc
    assert "februari kvinnor 140, män saknas" in desc
    assert "mars kvinnor 0, män 1\u202f420" in desc
    assert "uppgift saknas för januari och februari" in desc


def test_gender_month_with_nothing_reported_has_one_mark_and_no_bars():
    root = parse(gender(categories=["nov", "dec"], women=[None, 5], men=[None, 7]))
    assert len(bars(root)) == 2
    assert len(missing_marks(root)) == 1
    assert desc_of(root).startswith("Gästnätter per månad: november saknas; december kvinnor 5, män 7.")


def test_gender_all_missing_is_never_drawn_as_zero():
    root = parse(gender(categories=["nov", "dec"], women=[None, None], men=[None, None]))
    assert bars(root) == []
    assert len(missing_marks(root)) == 2
    assert [t for t in texts(root) if re.search(r"\d", t)] == ["0"]  # the axis' 0, no value labels
    desc = desc_of(root)
    assert "saknas" in desc and "Summa" not in desc


def test_occupancy_missing_values_get_no_bar_and_say_saknas():
    root = parse(occupancy())
    assert len(bars(root)) == 5
    assert len(missing_marks(root)) == 1
    labels = texts(root)
    assert labels.count(f"0{NBSP}%") == 1  # the axis only: the missing month is not 0 %
    assert "januari saknas" in desc_of(root)
    assert "Uppgift saknas för januari." in desc_of(root)


def test_nan_and_infinity_count_as_missing():
    root = parse(occupancy(categories=["a", "b"], percents=[float("nan"), float("inf")]))
    assert bars(root) == []
    assert len(missing_marks(root)) == 2


def test_empty_chart_says_so():
    for svg in (
        gender(categories=[], women=[], men=[]),
        occupancy(categories=[], percents=[]),
    ):
        root = parse(svg)
        assert "Inga uppgifter" in texts(root)
        assert "inga uppgifter" in desc_of(root)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError):
        gender(women=[1, 2])
    with pytest.raises(ValueError):
        occupancy(percents=[1.0])


# ------------------------------------------------------------------ Swedish numbers


def test_gender_axis_and_labels_are_swedish():
    root = parse(gender(categories=["v1", "v2"], women=[1340, 250], men=[12045, 9800]))
    labels = texts(root)
    assert f"15{NNBSP}000" in labels and f"5{NNBSP}000" in labels  # round ticks
    assert f"12{NNBSP}045" in labels and f"1{NNBSP}340" in labels  # value labels when they fit
    assert "12045" not in " ".join(labels) and "12,045" not in " ".join(labels)
    assert f"Summa: kvinnor 1{NNBSP}590, män 21{NNBSP}845." in desc_of(root)


def test_occupancy_labels_and_description_are_swedish():
    root = parse(occupancy())
    labels = texts(root)
    assert f"78{NBSP}%" in labels and f"104{NBSP}%" in labels
    assert f"100{NBSP}%" in labels and f"150{NBSP}%" in labels  # axis grows past 100 %
    assert f"77,5{NBSP}%" not in labels  # bars say whole percent …
    desc = desc_of(root)
    assert desc == (  # … the text alternative one decimal
        f"Beläggning per månad: november 77,5{NBSP}%, december 62,3{NBSP}%, januari saknas, "
        f"februari 104,2{NBSP}%, mars 88,0{NBSP}%, april 50,0{NBSP}%. "
        f"Högst i februari (104,2{NBSP}%), lägst i april (50,0{NBSP}%). "
        f"Över 100{NBSP}% i februari. Uppgift saknas för januari."
    )
    root = parse(occupancy(label_decimals=1))
    assert f"77,5{NBSP}%" in texts(root)


def test_occupancy_over_100_is_visible_under_the_reference_line():
    root = parse(occupancy(categories=["a", "b"], percents=[Decimal("50"), Decimal("130.4")]))
    reference = root.find(f".//{SVG}line[@class='reference']")
    assert reference.get("stroke-dasharray")
    y100 = float(reference.get("y1"))
    tall = max(bars(root), key=lambda rect: float(rect.get("height")))
    short = min(bars(root), key=lambda rect: float(rect.get("height")))
    assert float(tall.get("y")) < y100 < float(short.get("y"))  # pokes through the line
    assert float(tall.get("y")) > 0  # and still inside the chart
    assert f"130{NBSP}%" in texts(root)


def test_ties_and_full_month_names_in_the_text_alternative():
    text = occupancy_text_alternative(title="Beläggning.", categories=["nov", "dec", "Vecka 1"], percents=[80, 80, 40])
    assert text.startswith(f"Beläggning: november 80,0{NBSP}%, december 80,0{NBSP}%, Vecka 1")
    assert f"Högst i november och december (80,0{NBSP}%), lägst i Vecka 1 (40,0{NBSP}%)." in text
    same = occupancy_text_alternative(title="B", categories=["jan", "feb"], percents=[50, 50])
    assert same.endswith(f"Lika hög i alla (50,0{NBSP}%).")
    alone = gender_text_alternative(title="G", categories=["jan"], women=[3], men=[4])
    assert alone == "G: januari kvinnor 3, män 4. Summa: kvinnor 3, män 4."


def test_generated_text_alternative_matches_the_helper_and_can_be_replaced():
    kwargs = dict(title="Besök per månad", categories=MONTHS, women=[1, 2, 3, 4, 5, 6], men=[6, 5, 4, 3, 2, 1])
    assert desc_of(parse(gender_bars_svg(**kwargs))) == gender_text_alternative(**kwargs)
    assert desc_of(parse(gender_bars_svg(**kwargs, description="Se tabell 3."))) == "Se tabell 3."


def test_month_categories():
    from datetime import date

    assert month_categories([11, 12, 1]) == ["nov", "dec", "jan"]
    assert month_categories([date(2021, 11, 1)], short=False) == ["november"]


def test_long_categories_are_shortened_and_crowded_ones_thinned():
    root = parse(occupancy(categories=["Ett mycket långt kategorinamn"] * 3, percents=[1, 2, 3]))
    shown = [t for t in texts(root) if t.startswith("Ett")]
    assert shown and all(t.endswith("…") for t in shown)
    root = parse(occupancy(categories=month_categories(list(range(1, 13)) * 3), percents=[50.0] * 36))
    shown = [t for t in texts(root) if t in month_categories(range(1, 13))]
    assert 0 < len(shown) < 36


def test_title_can_be_left_to_a_caption():
    with_title = texts(parse(occupancy()))
    without = texts(parse(occupancy(show_title=False)))
    assert "Beläggning per månad" in with_title
    assert "Beläggning per månad" not in without


# ------------------------------------------------------------------ WeasyPrint


def test_weasyprint_draws_both_charts():
    pypdf = pytest.importorskip("pypdf")
    from weasyprint import HTML

    html = (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>t</title></head>'
        f"<body>{occupancy()}{gender()}</body></html>"
    )
    pdf = HTML(string=html).write_pdf()
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(BytesIO(pdf)).pages)
    expected_words = ("Beläggning per månad", "Gästnätter per månad", "Kvinnor", "Män", "saknas", "nov")
    for expected in expected_words:
        assert expected in text
