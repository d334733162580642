"""The printed report, checked on the rendered PDF (pypdf), not on the CSS that asks for it.

The demo report 2021–22 (report 1) is rendered once for the module, final and draft. A small
hand-made document checks what the demo does not contain: a table longer than a page, and
running text with long Swedish compound words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from tests.database import empty_all_tables
from tests.pdf_tools import (
    destination_pages,
    font_names,
    page_texts,
    read_out_text,
    reader_for,
    roles,
    squeeze,
    struct_elements,
    tagged_text,
)
from webapp.content import render_markdown
from webapp.document import render_document_html, render_pdf
from webapp.document.accessibility import check_pdf
from webapp.document.build import DocBlock, DocChapter, DocSection, ReportDocument
from webapp.extensions import db
from webapp.services.reports.documents import build_document

TITLE = "Verksamhetsrapport IOP 2021-11-01 – 2022-04-30"
PERIOD = "1 november 2021 – 30 april 2022"
DRAFT_LINE = "Utkast – inte publicerat"
PX_PER_MM = 96 / 25.4  # WeasyPrint gives a Figure's layout BBox in CSS pixels
SHIPPED_FONTS = {"Rapport-Sans", "Rapport-Sans-Bold", "Rapport-Sans-Italic", "Rapport-Sans-Bold-Italic"}
TOC_LINE = re.compile(r"^(\d+(?:\.\d+)?)\s+(.+?)\s*(?:\.\s*){3,}(\d+)\s*$")


@dataclass(frozen=True)
class Rendered:
    document: ReportDocument
    html: str
    pdf: bytes


@pytest.fixture(scope="module")
def demo_pdfs(app) -> dict[str, Rendered]:
    """Report 1 of the demo, final and draft, rendered once; the database is left empty."""
    from webapp.services.demo import seed_demo

    rendered = {}
    with app.app_context():
        empty_all_tables()  # whatever the test before left
        seed_demo()
        db.session.commit()
        with app.test_request_context():
            for name, draft in (("final", False), ("draft", True)):
                document = build_document(1, draft=draft)
                html = render_document_html(document, for_print=True)
                rendered[name] = Rendered(document, html, render_pdf(html))
        db.session.remove()
        empty_all_tables()
    return rendered


@pytest.fixture(scope="module")
def final(demo_pdfs):
    return demo_pdfs["final"]


@pytest.fixture(scope="module")
def draft(demo_pdfs):
    return demo_pdfs["draft"]


def _blocks(document: ReportDocument):
    return [b for c in document.chapters for s in c.sections for b in s.blocks]


# ------------------------------------------------------------------ the demo report


def test_final_pdf_passes_the_accessibility_and_safety_checks(final, draft):
    assert check_pdf(final.pdf) == []
    assert check_pdf(draft.pdf) == []
    reader = reader_for(final.pdf)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert reader.metadata.title == TITLE
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] is not None
    assert b'pdfuaid:part="1"' in reader.xmp_metadata.stream.get_data()


def test_cover_comes_first_with_title_period_and_partners(final):
    cover = page_texts(final.pdf)[0]
    assert squeeze(TITLE) in squeeze(cover) and PERIOD in cover
    assert "Samverkande organisationer".upper() in cover
    for partner in final.document.partners:
        assert partner in cover


def test_contents_gives_the_page_where_each_chapter_and_section_really_starts(final):
    reader = reader_for(final.pdf)
    texts = page_texts(reader)
    assert texts[1].lstrip().startswith("Innehåll")
    toc = {}
    for line in texts[1].splitlines():
        if match := TOC_LINE.match(line.strip()):
            toc[match.group(1)] = (match.group(2), int(match.group(3)))
    pages = destination_pages(reader)
    expected = [(c.number, c.title, c.anchor) for c in final.document.chapters]
    expected += [(s.number, s.title, s.anchor) for c in final.document.chapters for s in c.sections]
    assert len(toc) == len(expected)
    for number, title, anchor in expected:
        listed_title, listed_page = toc[number]
        assert squeeze(listed_title) == squeeze(title)
        assert listed_page == pages[anchor], (number, title)
        # …and the heading is on that page.
        assert squeeze(f"{number} {title}") in squeeze(texts[listed_page - 1])
    # Chapters begin on a new page, after the cover (1) and contents (2).
    assert pages["kap-1"] == 3
    assert [pages[c.anchor] for c in final.document.chapters] == sorted(
        {pages[c.anchor] for c in final.document.chapters}
    )


def test_numbered_chapters_and_sections_are_bookmarks(final):
    reader = reader_for(final.pdf)

    def titles(outline):
        for item in outline:
            yield from titles(item) if isinstance(item, list) else [item.title]

    bookmarks = list(titles(reader.outline))
    for chapter in final.document.chapters:
        assert f"{chapter.number} {chapter.title}" in bookmarks
        for section in chapter.sections:
            assert f"{section.number} {section.title}" in bookmarks
    # Unit headings and the contents' own heading are not bookmarks (too many, or pointless).
    assert "Innehåll" not in bookmarks
    assert not any(b.heading in bookmarks for b in _blocks(final.document) if b.heading != "Gemensam text")


def test_every_page_has_the_footer_and_all_but_the_cover_the_running_header(final):
    reader = reader_for(final.pdf)
    texts = page_texts(reader)
    count = len(texts)
    assert count > 20
    for number, text in enumerate(texts, start=1):
        assert f"Sida {number} ({count})" in text
    for text in texts[1:]:
        assert TITLE in text and PERIOD in text
    assert texts[0].count(PERIOD) == 1  # the cover's own line only
    # Header and footer are page furniture: a screen reader does not read them on every page.
    assert f"Sida 3 ({count})" not in read_out_text(reader, 2)
    assert PERIOD not in read_out_text(reader, 2)


def test_each_units_contribution_is_a_titled_subsection(final):
    text = squeeze(" ".join(page_texts(final.pdf)))
    headings = {b.heading for b in _blocks(final.document)}
    assert "Gemensam text" in headings and len(headings) > 5
    for heading in headings:
        assert squeeze(heading) in text
    reader = reader_for(final.pdf)
    assert roles(reader).count("/H3") >= len(_blocks(final.document))


def test_statistics_tables_keep_swedish_figures_and_are_never_tagged_in_pieces(final):
    reader = reader_for(final.pdf)
    text = " ".join(page_texts(reader))
    assert re.search(r"\b\d+,\d\u00a0%", text)  # decimal comma, no-break space before the per cent sign
    assert re.search(r"\b\d \d{3}\b", text)  # thousands grouped by a space
    found = roles(reader)
    # One Table element per table in the HTML: no table was split across pages (WeasyPrint
    # would tag each part as a table of its own, upstream issues 2902/2903).
    assert found.count("/Table") == final.html.count("<table") > 40
    assert found.count("/TH") > found.count("/Table")


def test_charts_are_figures_sized_for_the_page_with_a_text_alternative(final):
    reader = reader_for(final.pdf)
    figures = [e for e in struct_elements(reader) if e["/S"] == "/Figure"]
    assert len(figures) == final.html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart') > 0
    for figure in figures:
        assert str(figure["/Alt"]).strip()
        x1, _, x2, _ = (float(v) for v in figure["/A"]["/BBox"])
        width_mm = (x2 - x1) / PX_PER_MM
        # As wide as the text column allows (210 mm − margins 22 + 20), at most 150 mm.
        assert 100 < width_mm <= 150.5, width_mm


def test_fonts_are_the_shipped_ones(final, draft):
    # "Rapport Sans" is the @font-face family in document.css over static/fonts/DejaVuSans*.ttf:
    # no system font stands in for it, in the text, the charts or the watermark.
    for rendered in (final, draft):
        names = font_names(reader_for(rendered.pdf))
        assert names and names <= SHIPPED_FONTS, names


def test_final_render_carries_no_draft_marks(final):
    text = " ".join(page_texts(final.pdf))
    assert "UTKAST" not in text and "Utkast" not in text


def test_draft_has_the_watermark_on_every_page_as_an_artifact_and_a_not_published_line(draft):
    reader = reader_for(draft.pdf)
    texts = page_texts(reader)
    for index, text in enumerate(texts):
        assert "UTKAST" in text, f"no watermark on page {index + 1}"
        assert DRAFT_LINE in text, f"no draft line on page {index + 1}"
        runs = tagged_text(reader, index)
        watermark = [run for run in runs if "UTKAST" in run.text]
        assert watermark and all(run.artifact and run.mcid is None for run in watermark)
        # What the structure tree refers to never says UTKAST …
        read_out = read_out_text(reader, index)
        assert "UTKAST" not in read_out
        # … and the footer line is read once, on the cover, not on every page.
        assert (DRAFT_LINE in read_out) == (index == 0), index
    # The check itself tells tagged text from artifacts: the chapter title is read out.
    assert "Nattverksamheter" in read_out_text(reader, 2)


# ------------------------------------------------------------------ a hand-made document

COMPOUNDS = (
    "Socialförsäkringsutredningarnas arbetsmarknadsutbildningar och bostadsförmedlingsverksamheten "
    "samordnades med stadsdelsförvaltningarnas uppsökarverksamhet. "
) * 6
LONG_CELL = "lång text om nattplatser och besök " * 12


def _long_table_markdown(rows: int = 40) -> str:
    body = "\n".join(f"| rad{i:02d}start | {LONG_CELL} rad{i:02d}slut |" for i in range(1, rows + 1))
    return f"{COMPOUNDS}\n\n| Rad | Beskrivning |\n|---|---|\n{body}\n"


@pytest.fixture(scope="module")
def long_table_pdf(app) -> bytes:
    document = ReportDocument(
        report_id=1,
        title="Provrapport",
        period_start=date(2022, 11, 1),
        period_end=date(2023, 4, 30),
        period_label="1 november 2022 – 30 april 2023",
        partners=("Organisationen",),
        draft=False,
        chapters=(
            DocChapter(
                "1",
                "Kapitlet",
                "kap-1",
                (
                    DocSection(
                        "1.1",
                        "Avsnittet",
                        "avsn-1-1",
                        (DocBlock("Enheten", render_markdown(_long_table_markdown()), False),),
                    ),
                ),
            ),
        ),
    )
    with app.app_context(), app.test_request_context():
        return render_pdf(render_document_html(document, for_print=True))


def test_a_long_table_repeats_its_header_row_and_never_splits_a_row(long_table_pdf):
    texts = page_texts(long_table_pdf)
    table_pages = [index for index, text in enumerate(texts) if "rad" in text and "start" in text]
    assert len(table_pages) >= 3
    for index in table_pages:
        assert texts[index].lstrip().startswith("Rad Beskrivning"), index
    for row in range(1, 41):
        starts = [i for i, text in enumerate(texts) if f"rad{row:02d}start" in text]
        ends = [i for i, text in enumerate(texts) if f"rad{row:02d}slut" in text]
        assert len(starts) == 1 and starts == ends, f"row {row} is split across pages"


def test_a_table_longer_than_a_page_still_has_header_cells_in_every_tagged_part(long_table_pdf):
    # What remains of WeasyPrint issues 2902/2903: a table longer than a page is tagged as one
    # Table per page; each part carries its repeated header row, so each still has TH cells.
    assert check_pdf(long_table_pdf) == []
    found = roles(reader_for(long_table_pdf))
    assert found.count("/Table") >= 3
    assert found.count("/TH") == 2 * found.count("/Table")


def test_running_text_is_hyphenated_the_swedish_way_but_tables_are_not(long_table_pdf):
    texts = page_texts(long_table_pdf)
    prose = next(text for text in texts if "Socialförsäkringsutredningarnas" in text)
    # WeasyPrint breaks words with U+2010 HYPHEN, at Pyphen's Swedish break points.
    broken = re.findall(r"(\w+)\u2010\n(\w+)", prose)
    assert broken, prose
    words = set(COMPOUNDS.replace(".", "").split())
    assert all(first + rest in words or (first + rest).rstrip(".") in words for first, rest in broken), broken
    table_text = "\n".join(text for text in texts if "start" in text)
    assert "\u2010\n" not in table_text


def test_pages_are_a4(final):
    for page in reader_for(final.pdf).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 210 * 72 / 25.4) < 0.5 and abs(height - 297 * 72 / 25.4) < 0.5


@pytest.fixture(scope="module")
def paragraphs_pdf(app) -> bytes:
    """Thirty paragraphs of 4–10 lines, every word a token naming its paragraph."""
    sizes = [4 + (n * 3) % 7 for n in range(30)]
    source = "\n\n".join(" ".join(f"p{n:02d}w{w:03d}" for w in range(size * 11)) for n, size in enumerate(sizes))
    document = ReportDocument(
        report_id=1,
        title="Provrapport",
        period_start=date(2022, 11, 1),
        period_end=date(2023, 4, 30),
        period_label="1 november 2022 – 30 april 2023",
        partners=(),
        draft=False,
        chapters=(
            DocChapter(
                "1",
                "Kapitlet",
                "kap-1",
                (DocSection("1.1", "Avsnittet", "avsn-1-1", (DocBlock("Enheten", render_markdown(source), False),)),),
            ),
        ),
    )
    with app.app_context(), app.test_request_context():
        return render_pdf(render_document_html(document, for_print=True))


def test_a_paragraph_split_across_pages_leaves_at_least_three_lines_on_each(paragraphs_pdf):
    lines_per_page = [
        [re.findall(r"p(\d\d)w", line) for line in text.splitlines()] for text in page_texts(paragraphs_pdf)
    ]
    split = 0
    for before, after in zip(lines_per_page, lines_per_page[1:]):
        last = next((ids[0] for ids in reversed(before) if ids), None)
        first = next((ids[0] for ids in after if ids), None)
        if last is not None and last == first:
            split += 1
            assert sum(1 for ids in before if ids and ids[0] == last) >= 3, f"orphan lines of paragraph {last}"
            assert sum(1 for ids in after if ids and ids[0] == first) >= 3, f"widow lines of paragraph {first}"
    assert split, "no paragraph ran over a page break: the test proves nothing"
