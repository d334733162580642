"""Charts for the statistics tables: small, accessible, inline SVG.

Pure functions, no Flask. Each chart function returns the SVG as ``markupsafe.Markup``
(a ``str``), ready to be placed inline in the document's HTML — the same markup serves
the HTML preview and the PDF (WeasyPrint draws inline SVG itself).

* ``gender_bars_svg`` — women and men per month (guest-nights, visits) as grouped
  vertical bars: side by side from one baseline, so the (usually much smaller) number of
  women stays readable next to the men, month by month.
* ``occupancy_svg`` — occupancy per month as bars with a value label ("68 %") and a
  dashed 100 % reference line; the axis grows past 100 % when a month is over-full.

Accessibility: ``<svg role="img" aria-labelledby="ID-title ID-desc">`` with a ``<title>``
and a ``<desc>``. The desc is a Swedish text alternative that lists every value and
sums the series up (``gender_text_alternative`` / ``occupancy_text_alternative`` give
the same text, e.g. for a caption). A missing value (``None``) is never drawn as zero:
there is no bar, the slot says "saknas", and so does the text alternative.

The app's Content-Security-Policy forbids inline styles, so the SVG uses presentation
attributes only (no ``style`` attribute, no ``<style>`` element). Every piece of text
(titles, categories — user data) is XML-escaped. The viewBox is a fixed 640 × 280, the
width of an A4 text column, so a viewBox unit is about a CSS pixel in the PDF and the
11–14 unit fonts print at 8–10.5 pt. The SVG has no width/height of its own; the
stylesheet sizes ``svg.chart`` (e.g. ``width: 100%; height: auto; max-width: 640px``).

Colours: blue ``#0b5cad`` (men, occupancy) and orange ``#d55e00`` with white diagonal
hatching (women) — the Okabe–Ito pair that stays apart for colour-blind readers, each at
least 3:1 against white, and the hatching keeps the two apart in greyscale print.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from webapp.statistics.formatting import (
    format_number,
    format_percent,
    month_name,
    short_month_name,
)

__all__ = [
    "WIDTH",
    "HEIGHT",
    "gender_bars_svg",
    "gender_text_alternative",
    "occupancy_svg",
    "occupancy_text_alternative",
    "month_categories",
]

Number = int | float | Decimal

# ------------------------------------------------------------------ look

WIDTH = 640
HEIGHT = 280
FONT_FAMILY = "Rapport Sans, DejaVu Sans, sans-serif"  # Rapport Sans = DejaVu, see document.css

INK = "#1d1d1f"
MUTED = "#555555"
GRID = "#d5d9de"
BLUE = "#0b5cad"  # men; occupancy bars
ORANGE = "#d55e00"  # women (with white hatching)

TITLE_SIZE = 14
LABEL_SIZE = 12  # axis ticks, categories, legend
VALUE_SIZE = 11  # value labels over bars, "saknas"
CHAR_WIDTH = 0.64  # DejaVu Sans: digits are 0.636 em, most lower-case letters 0.6–0.63 em
NARROW_WIDTH = 0.36  # spaces, i, l, punctuation

MARGIN_LEFT = 58
MARGIN_RIGHT = 14
PLOT_TOP_WITH_TITLE = 46
PLOT_TOP_WITHOUT_TITLE = 24
PLOT_BOTTOM = 236
CATEGORY_BASELINE = 253
LEGEND_BASELINE = 273

MISSING = "saknas"
NO_DATA = "Inga uppgifter"

_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")


# ------------------------------------------------------------------ helpers


def month_categories(months: Iterable[int | date], *, short: bool = True) -> list[str]:
    """Category labels for months (1–12 or dates): ['nov', 'dec', 'jan', …].

    Short names fit under twelve bars; the text alternative writes them out in full."""
    numbers = [m.month if isinstance(m, date) else int(m) for m in months]
    return [short_month_name(n) if short else month_name(n) for n in numbers]


_LONG_MONTH = {short_month_name(n): month_name(n) for n in range(1, 13)}


def _spoken(category: str) -> str:
    """The category as the text alternative says it: 'nov' → 'november'."""
    return _LONG_MONTH.get(category.strip().lower(), category.strip())


def _value(value: Number | None) -> float | None:
    """A plottable float, or None for missing (None, NaN, ±infinity)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _fmt(x: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_NARROW = frozenset(" \u00a0\u202f,.:;!|il'’()[]")


def _text_width(text: str, size: float) -> float:
    """Roughly how wide ``text`` sets in DejaVu Sans (a slight overestimate)."""
    return sum(_char_width(char) for char in text) * size


def _char_width(char: str) -> float:
    if char in _NARROW:
        return NARROW_WIDTH
    if char in "mwMW%":
        return 0.95
    if char.isupper():
        return 0.74
    return CHAR_WIDTH


def _join(words: Sequence[str]) -> str:
    """'a', 'a och b', 'a, b och c'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " och " + words[-1]


def _lead(title: str) -> str:
    return title.strip().rstrip(".:;,") or "Diagram"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:40].strip("-")


def _chart_id(chart_id: str | None, kind: str, title: str, *data: object) -> str:
    """A valid, stable XML id: the one given, or 'chart-<slug>-<hash of the data>'.

    Two charts with the same title but different data get different ids; pass
    ``chart_id`` when the same chart can appear twice on one page."""
    if chart_id is not None:
        if not _ID_RE.match(chart_id):
            raise ValueError(f"not a valid SVG id: {chart_id!r}")
        return chart_id
    digest = hashlib.sha1(repr((kind, title, *data)).encode("utf-8")).hexdigest()[:8]
    slug = _slug(title)
    return f"chart-{slug}-{digest}" if slug else f"chart-{digest}"


def _nice_ticks(maximum: float, *, target: int = 4, integer: bool = True) -> list[float]:
    """Round ticks from 0 to at least ``maximum``: 0, 250, 500, 750, 1 000."""
    if maximum <= 0:
        maximum = 1.0
    raw = maximum / target
    magnitude = 10 ** math.floor(math.log10(raw))
    multipliers = (1, 2, 2.5, 5, 10) if not (integer and magnitude < 10) else (1, 2, 5, 10)
    step = next(m * magnitude for m in multipliers if m * magnitude >= raw - 1e-9)
    if integer:
        step = max(1.0, float(round(step)))
    count = math.ceil(maximum / step - 1e-9)
    return [i * step for i in range(count + 1)]


def _truncate(text: str, width: float, size: float) -> str:
    if _text_width(text, size) <= width:
        return text
    while len(text) > 1 and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class _Frame:
    """The plot area and the value → y mapping."""

    top: float
    bottom: float
    left: float
    right: float
    maximum: float

    def y(self, value: float) -> float:
        value = min(max(value, 0.0), self.maximum)
        return self.bottom - (self.bottom - self.top) * value / self.maximum

    @property
    def width(self) -> float:
        return self.right - self.left


def _attrs(**attributes: object) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        name = name.rstrip("_").replace("_", "-")
        text = _fmt(float(value)) if isinstance(value, int | float) else str(value)
        parts.append(f'{name}="{escape(text)}"')
    return " ".join(parts)


def _element(tag: str, **attributes: object) -> str:
    """An empty element: _element("rect", x=1.5, fill=BLUE) → '<rect x="1.5" fill="…"/>'."""
    return f"<{tag} {_attrs(**attributes)}/>"


def _text(x: float, y: float, content: str, **attributes: object) -> str:
    return f"<text {_attrs(x=float(x), y=float(y), **attributes)}>{escape(content)}</text>"


def _open_svg(chart_id: str, kind: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT_FAMILY}" font-size="{LABEL_SIZE}" fill="{INK}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',  # self-contained contrast
    ]


def _header(title: str, show_title: bool) -> list[str]:
    if not show_title:
        return []
    shown = _truncate(title.strip(), WIDTH - 8, TITLE_SIZE * 1.1)  # bold sets wider
    return [_text(4, 19, shown, font_size=TITLE_SIZE, font_weight="bold")]


def _y_axis(frame: _Frame, ticks: list[float], label) -> list[str]:
    parts = ["<g>"]
    for tick in ticks:
        y = frame.y(tick)
        if tick:
            parts.append(_element("line", x1=frame.left, y1=y, x2=frame.right, y2=y, stroke=GRID, stroke_width=1))
        parts.append(_text(frame.left - 7, y + 4, label(tick), text_anchor="end", fill=MUTED))
    parts.append(
        _element("line", x1=frame.left, y1=frame.bottom, x2=frame.right, y2=frame.bottom, stroke=INK, stroke_width=1.2)
    )
    parts.append("</g>")
    return parts


def _category_labels(frame: _Frame, categories: Sequence[str]) -> list[str]:
    """Labels under the slots; every k-th one when they would collide."""
    n = len(categories)
    slot = frame.width / n
    widest = max(_text_width(c.strip(), LABEL_SIZE) for c in categories)
    every = 1
    while every < n and min(widest, _text_width("xxxx…", LABEL_SIZE)) > slot * every - 4:
        every += 1
    parts = ['<g text-anchor="middle">']
    for i, category in enumerate(categories):
        if i % every:
            continue
        shown = _truncate(category.strip(), slot * every - 4, LABEL_SIZE)
        parts.append(_text(frame.left + slot * (i + 0.5), CATEGORY_BASELINE, shown))
    parts.append("</g>")
    return parts


def _missing_mark(x_centre: float, frame: _Frame) -> str:
    """A vertical 'saknas' standing where the bar would be."""
    x = x_centre + VALUE_SIZE * 0.36  # rotated text: centre the glyphs on the slot
    y = frame.bottom - 5
    return _text(
        x,
        y,
        MISSING,
        class_="missing",
        transform=f"rotate(-90 {_fmt(x)} {_fmt(y)})",
        font_size=VALUE_SIZE,
        font_style="italic",
        fill=MUTED,
    )


def _no_data(frame: _Frame) -> str:
    return _text(
        (frame.left + frame.right) / 2,
        (frame.top + frame.bottom) / 2,
        NO_DATA,
        text_anchor="middle",
        fill=MUTED,
        font_style="italic",
    )


def _check_lengths(categories: Sequence[str], **series: Sequence[object]) -> None:
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(f"{name} has {len(values)} values for {len(categories)} categories")


# ------------------------------------------------------------------ women / men


def gender_text_alternative(
    *,
    title: str,
    categories: Sequence[str],
    women: Sequence[Number | None],
    men: Sequence[Number | None],
) -> str:
    """'Gästnätter per månad: november kvinnor 120, män 1 340; december kvinnor saknas,
    män 1 200; januari saknas. Summa: kvinnor 120, män 2 540 (saknas för december
    och januari).'"""
    _check_lengths(categories, women=women, men=men)
    lead = _lead(title)
    if not categories:
        return f"{lead}: {NO_DATA.lower()}."

    def number(value: float | None) -> str:
        return MISSING if value is None else format_number(value)

    items, incomplete = [], []
    sum_women = sum_men = 0.0
    for category, w, m in zip(categories, women, men):
        w, m = _value(w), _value(m)
        name = _spoken(category)
        if w is None and m is None:
            items.append(f"{name} {MISSING}")
        else:
            items.append(f"{name} kvinnor {number(w)}, män {number(m)}")
        if w is None or m is None:
            incomplete.append(name)
        sum_women += w or 0
        sum_men += m or 0

    text = f"{lead}: {'; '.join(items)}."
    if len(incomplete) == len(categories):
        if all(_value(v) is None for v in (*women, *men)):
            return f"{text} Uppgift saknas för alla."
    text += f" Summa: kvinnor {format_number(sum_women)}, män {format_number(sum_men)}"
    text += f" (uppgift saknas för {_join(incomplete)})." if incomplete else "."
    return text


def gender_bars_svg(
    *,
    title: str,
    categories: list[str],
    women: Sequence[Number | None],
    men: Sequence[Number | None],
    description: str | None = None,
    chart_id: str | None = None,
    show_title: bool = True,
) -> Markup:
    """Women and men per category (month) as grouped bars; see the module docstring.

    ``None`` is missing: no bar, a vertical "saknas" in its place, and "saknas" in
    the description. ``description`` replaces the generated text alternative;
    ``chart_id`` the generated id; ``show_title=False`` leaves the visible heading
    out (the title stays in ``<title>``) when a caption already carries it."""
    _check_lengths(categories, women=women, men=men)
    if description is None:
        description = gender_text_alternative(title=title, categories=categories, women=women, men=men)
    cid = _chart_id(chart_id, "gender", title, list(categories), list(women), list(men))
    hatch = f"{cid}-hatch"

    w_values = [_value(v) for v in women]
    m_values = [_value(v) for v in men]
    present = [v for v in (*w_values, *m_values) if v is not None]
    ticks = _nice_ticks(max(present, default=0.0), integer=True)
    frame = _Frame(
        top=PLOT_TOP_WITH_TITLE if show_title else PLOT_TOP_WITHOUT_TITLE,
        bottom=PLOT_BOTTOM,
        left=MARGIN_LEFT,
        right=WIDTH - MARGIN_RIGHT,
        maximum=ticks[-1],
    )

    parts = _open_svg(cid, "gender", title, description)
    parts.append(
        f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{ORANGE}"/>'
        f'<rect width="2" height="6" fill="#ffffff"/>'
        f"</pattern></defs>"
    )
    parts += _header(title, show_title)
    parts += _y_axis(frame, ticks if present else [0.0], lambda t: format_number(t))

    n = len(categories)
    if n == 0:
        parts.append(_no_data(frame))
    if n:
        slot = frame.width / n
        gap = 2.0
        bar = min(40.0, slot * 0.36)
        labels = [format_number(v) for v in present]
        show_values = bool(labels) and max(_text_width(t, VALUE_SIZE) for t in labels) <= bar + gap
        women_fill = f"url(#{hatch})"
        parts.append("<g>")
        for i in range(n):
            centre = frame.left + slot * (i + 0.5)
            w, m = w_values[i], m_values[i]
            if w is None and m is None:
                parts.append(_missing_mark(centre, frame))
                continue
            for value, x, fill, stroke, series in (
                (w, centre - gap / 2 - bar, women_fill, ORANGE, "women"),
                (m, centre + gap / 2, BLUE, None, "men"),
            ):
                bar_centre = x + bar / 2
                if value is None:
                    parts.append(_missing_mark(bar_centre, frame))
                    continue
                top = frame.y(value)
                height = frame.bottom - top
                if height > 0:
                    parts.append(
                        _element(
                            "rect",
                            class_=f"bar {series}",
                            x=x,
                            y=top,
                            width=bar,
                            height=height,
                            fill=fill,
                            stroke=stroke,
                            stroke_width=1 if stroke else None,
                        )
                    )
                if show_values or value == 0:  # a zero is said, never confused with "saknas"
                    parts.append(
                        _text(bar_centre, top - 4, format_number(value), text_anchor="middle", font_size=VALUE_SIZE)
                    )
        parts.append("</g>")
        parts += _category_labels(frame, categories)

    # Legend, centred under the chart.
    legend = [("Kvinnor", f"url(#{hatch})", ORANGE), ("Män", BLUE, None)]
    widths = [14 + 6 + _text_width(label, LABEL_SIZE) for label, _, _ in legend]
    x = (WIDTH - (sum(widths) + 24 * (len(widths) - 1))) / 2
    parts.append('<g class="legend">')
    for (label, fill, stroke), width in zip(legend, widths):
        parts.append(
            _element(
                "rect",
                x=x,
                y=LEGEND_BASELINE - 11,
                width=14,
                height=12,
                fill=fill,
                stroke=stroke,
                stroke_width=1 if stroke else None,
            )
        )
        parts.append(_text(x + 20, LEGEND_BASELINE, label))
        x += width + 24
    parts.append("</g>")
    parts.append("</svg>")
    return Markup("\n".join(parts))


# ------------------------------------------------------------------ occupancy


def occupancy_text_alternative(
    *,
    title: str,
    categories: Sequence[str],
    percents: Sequence[Number | None],
) -> str:
    """'Beläggning per månad: november 77,5 %, december saknas, januari 50,0 %. Högst i
    november (77,5 %), lägst i januari (50,0 %). Uppgift saknas för december.'"""
    _check_lengths(categories, percents=percents)
    lead = _lead(title)
    if not categories:
        return f"{lead}: {NO_DATA.lower()}."
    values = [_value(p) for p in percents]
    names = [_spoken(c) for c in categories]
    items = [f"{name} {MISSING if v is None else format_percent(v, 1)}" for name, v in zip(names, values)]
    text = f"{lead}: {', '.join(items)}."
    known = [(name, v) for name, v in zip(names, values) if v is not None]
    if not known:
        return f"{text} Uppgift saknas för alla."
    if len(known) > 1:
        # Compare what the reader sees (one decimal), so ties read as ties.
        shown = [(name, format_percent(v, 1), round(v, 1)) for name, v in known]
        high = max(r for _, _, r in shown)
        low = min(r for _, _, r in shown)
        if high == low:
            text += f" Lika hög i alla ({shown[0][1]})."
        else:
            highest = [name for name, _, r in shown if r == high]
            lowest = [name for name, _, r in shown if r == low]
            text += (
                f" Högst i {_join(highest)} ({format_percent(high, 1)}),"
                f" lägst i {_join(lowest)} ({format_percent(low, 1)})."
            )
    over = [name for name, v in known if round(v, 1) > 100]
    if over:
        text += f" Över 100\u00a0% i {_join(over)}."
    missing = [name for name, v in zip(names, values) if v is None]
    if missing:
        text += f" Uppgift saknas för {_join(missing)}."
    return text


def occupancy_svg(
    *,
    title: str,
    categories: list[str],
    percents: list[float | None],
    description: str | None = None,
    chart_id: str | None = None,
    show_title: bool = True,
    label_decimals: int = 0,
) -> Markup:
    """Occupancy per category (month) in percent (0–100, not a fraction) as bars with
    value labels and a dashed 100 % line; the axis goes past 100 % when needed.

    ``None`` is missing: no bar, a vertical "saknas", and "saknas" in the description.
    Bar labels use ``label_decimals`` (68 %); the description always one decimal."""
    _check_lengths(categories, percents=percents)
    if description is None:
        description = occupancy_text_alternative(title=title, categories=categories, percents=percents)
    cid = _chart_id(chart_id, "occupancy", title, list(categories), list(percents))

    values = [_value(p) for p in percents]
    present = [v for v in values if v is not None]
    ticks = _nice_ticks(max([100.0, *present]), integer=True)
    frame = _Frame(
        top=PLOT_TOP_WITH_TITLE if show_title else PLOT_TOP_WITHOUT_TITLE,
        bottom=PLOT_BOTTOM,
        left=MARGIN_LEFT,
        right=WIDTH - MARGIN_RIGHT,
        maximum=ticks[-1],
    )

    parts = _open_svg(cid, "occupancy", title, description)
    parts += _header(title, show_title)
    parts += _y_axis(frame, ticks, lambda t: format_percent(t, 0))

    n = len(categories)
    if n == 0:
        parts.append(_no_data(frame))
    if n:
        slot = frame.width / n
        bar = min(40.0, slot * 0.62)
        labels = [format_percent(v, label_decimals) for v in present]
        show_values = bool(labels) and max(_text_width(t, VALUE_SIZE) for t in labels) <= slot - 3
        value_labels = []
        parts.append("<g>")
        for i, value in enumerate(values):
            centre = frame.left + slot * (i + 0.5)
            if value is None:
                parts.append(_missing_mark(centre, frame))
                continue
            top = frame.y(value)
            if frame.bottom - top > 0:
                parts.append(
                    _element(
                        "rect", class_="bar", x=centre - bar / 2, y=top, width=bar, height=frame.bottom - top, fill=BLUE
                    )
                )
            if show_values:
                label = format_percent(value, label_decimals)
                width = _text_width(label, VALUE_SIZE) + 4
                # A white plate under the label, so the 100 % line never runs through it.
                value_labels.append(
                    _element("rect", x=centre - width / 2, y=top - 15, width=width, height=13, fill="#ffffff")
                )
                value_labels.append(_text(centre, top - 4, label, text_anchor="middle", font_size=VALUE_SIZE))
        parts.append("</g>")
        parts += _category_labels(frame, categories)

    # The 100 % line over the bars, so an over-full month shows where full is;
    # the value labels over the line.
    y100 = frame.y(100)
    parts.append(
        _element(
            "line",
            class_="reference",
            x1=frame.left,
            y1=y100,
            x2=frame.right,
            y2=y100,
            stroke=INK,
            stroke_width=1.5,
            stroke_dasharray="6 4",
        )
    )
    if n and value_labels:
        parts += ["<g>", *value_labels, "</g>"]
    label = "100\u00a0% = alla platser belagda"
    width = 28 + 6 + _text_width(label, LABEL_SIZE)
    x = (WIDTH - width) / 2
    parts.append('<g class="legend">')
    parts.append(
        _element(
            "line",
            x1=x,
            y1=LEGEND_BASELINE - 4,
            x2=x + 28,
            y2=LEGEND_BASELINE - 4,
            stroke=INK,
            stroke_width=1.5,
            stroke_dasharray="6 4",
        )
    )
    parts.append(_text(x + 34, LEGEND_BASELINE, label))
    parts.append("</g>")
    parts.append("</svg>")
    return Markup("\n".join(parts))
