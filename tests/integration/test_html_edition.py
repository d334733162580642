"""The HTML edition: the report as one self-contained, accessible web page.

The download route serves the current draft; ``render_html_edition`` is what the publishing
side stores for each published version (tested here on the demo's final document too).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.integration.helpers import block_version, find_block, post
from webapp.document.edition import EditionStylesheetError, drop_at_rules, edition_stylesheet, render_html_edition
from webapp.extensions import db
from webapp.services.reports.documents import build_document

READER = "skribent.crossroads@demo.iop"
TITLE = "Verksamhetsrapport IOP 2021-11-01 – 2022-04-30"


class Page(HTMLParser):
    """The page's elements in order, with attributes and the text inside headings and captions."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.headings: list[tuple[int, str]] = []
        self.tables: list[dict] = []
        self.figures: list[dict] = []
        self._open: list[str] = []
        self._heading: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = [tag]
        elif tag == "table":
            self.tables.append({"th": [], "caption": False})
        elif tag == "th" and self.tables:
            self.tables[-1]["th"].append(attributes)
        elif tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        elif tag == "figure":
            self.figures.append({"svg": None, "figcaption": False})
        elif tag == "svg" and self.figures:
            self.figures[-1]["svg"] = attributes
        elif tag == "figcaption" and self.figures:
            self.figures[-1]["figcaption"] = True
        elif tag in ("title", "desc") and self.figures and self.figures[-1]["svg"] is not None:
            self.figures[-1].setdefault("ids", []).append(attributes.get("id"))

    def handle_endtag(self, tag):
        if self._heading and tag == self._heading[0]:
            self.headings.append((int(tag[1]), "".join(self._heading[1:]).strip()))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attributes for name, attributes in self.elements if name == tag]


@pytest.fixture
def final_edition(app, demo) -> tuple[str, object]:
    with app.app_context():
        document = build_document(1, draft=False)
        html = render_html_edition(document)
        db.session.remove()
    return html, document


def test_readers_download_the_current_drafts_edition(signed_in):
    response = signed_in(READER).get("/reports/1/edition.html")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=UTKAST-IOP-verksamhetsrapport-2021-11--2022-04.html"
    )
    assert response.headers["Cache-Control"] == "private, no-cache"
    html = response.get_data(as_text=True)
    assert "Utkast – inte publicerat" in html
    assert '<body class="document edition is-draft">' in html


def test_the_edition_of_a_missing_report_is_404_and_signed_out_people_get_none(app, signed_in, client):
    assert signed_in(READER).get("/reports/999/edition.html").status_code == 404
    response = client.get("/reports/1/edition.html")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_edition_is_self_contained(final_edition):
    html, _ = final_edition
    page = Page(html)
    assert not page.all("script") and not page.all("link") and not page.all("img") and not page.all("iframe")
    assert len(page.all("style")) == 1
    for name, attributes in page.elements:
        assert "src" not in attributes and "srcset" not in attributes and "style" not in attributes, name
        href = attributes.get("href")
        if href is not None:
            assert href.startswith("#") or href.startswith(("https://", "mailto:")), href
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style and "@page" not in style
    assert ".stat-table" in style and ".cover-title" in style  # the document's own CSS is there
    # No @media print either: the edition is for the screen.
    assert "@media print" not in style and "string-set" not in style


def test_the_edition_has_language_title_and_landmarks(final_edition):
    html, document = final_edition
    page = Page(html)
    assert page.elements[0] == ("html", {"lang": "sv"})
    assert f"<title>{TITLE}</title>" in html
    assert any(a.get("name") == "viewport" for a in page.all("meta"))
    assert len(page.all("main")) == 1 and len(page.all("header")) >= 1
    [toc] = [a for a in page.all("nav") if a.get("class") == "toc"]
    assert toc["aria-labelledby"] == "toc-title"
    # The skip link leads to the main content.
    skip = page.all("a")[0]
    assert skip["class"] == "skip-link" and skip["href"] == "#" + page.all("main")[0]["id"]
    assert "Utkast" not in html and "UTKAST" not in html  # a final document


def test_the_contents_link_to_every_chapter_and_section_heading(final_edition):
    html, document = final_edition
    page = Page(html)
    ids = {a["id"] for _, a in page.elements if "id" in a}
    links = {a["href"][1:] for a in page.all("a") if a.get("href", "").startswith("#")}
    assert links <= ids
    for chapter in document.chapters:
        assert chapter.anchor in links
        for section in chapter.sections:
            assert section.anchor in links
            assert (2, f"{section.number} {section.title}") in page.headings


def test_headings_come_in_order_without_skipped_levels(final_edition):
    html, document = final_edition
    page = Page(html)
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, (before, after)
    texts = [text for _, text in page.headings]
    for block in (b for c in document.chapters for s in c.sections for b in s.blocks):
        assert block.heading in texts


def test_every_table_has_a_caption_and_scoped_header_cells(final_edition):
    html, _ = final_edition
    page = Page(html)
    assert len(page.tables) > 40
    for table in page.tables:
        assert table["caption"] and table["th"]
        assert all(th.get("scope") in ("col", "row", "colgroup", "rowgroup") for th in table["th"]), table["th"]


def test_every_chart_is_an_image_with_a_text_alternative(final_edition):
    html, _ = final_edition
    page = Page(html)
    charts = [figure for figure in page.figures if figure["svg"] is not None]
    assert charts
    for figure in charts:
        svg = figure["svg"]
        assert svg["role"] == "img" and figure["figcaption"]
        assert set(svg["aria-labelledby"].split()) == set(figure["ids"])


def test_a_writers_markdown_table_gets_scoped_header_cells(app, signed_in):
    client = signed_in(READER)
    block_id = find_block(app, "dag-besok", "crossroads")
    source = "Text och [stadens sida](https://stockholm.se/).\n\n| Månad | Besök |\n|---|--:|\n| November | 1 450 |\n"
    response = post(
        client, f"/blocks/{block_id}/save", {"source": source, "base_version": block_version(app, block_id)}
    )
    assert response.status_code == 302
    html = client.get("/reports/2/edition.html").get_data(as_text=True)
    assert '<th scope="col">Månad</th>' in html and '<th scope="col" align="right">Besök</th>' in html
    assert '<a href="https://stockholm.se/" rel="noopener noreferrer nofollow">stadens sida</a>' in html


def test_the_stylesheet_drops_fonts_pages_and_print_rules_and_refuses_urls(tmp_path):
    css = """
    @font-face { font-family: X; src: url("../fonts/x.ttf"); }
    p { color: red; }
    @page { size: A4; @top-left { content: "x"; } }
    @page draft { background: url(../img/x.svg); }
    @media print { .a { string-set: t content(); } .b { color: blue; } }
    @media screen { .c { color: green; } }
    """
    kept = drop_at_rules(css)
    assert "p { color: red; }" in kept and "@media screen { .c { color: green; } }" in kept
    assert "@font-face" not in kept and "@page" not in kept and "print" not in kept and "url(" not in kept

    (tmp_path / "css").mkdir()
    for name in ("document.css", "tables.css", "edition.css"):
        (tmp_path / "css" / name).write_text("p { color: red; }")
    assert "p { color: red; }" in edition_stylesheet(tmp_path)
    (tmp_path / "css" / "tables.css").write_text("td { background: url(https://elsewhere.example/x.png); }")
    with pytest.raises(EditionStylesheetError):
        edition_stylesheet(tmp_path)
    (tmp_path / "css" / "tables.css").write_text("@import 'x.css';")
    with pytest.raises(EditionStylesheetError):
        edition_stylesheet(tmp_path)


def test_the_edition_is_always_swedish(app, signed_in):
    client = signed_in(READER)
    with client.session_transaction() as session:
        session["language"] = "en"
    html = client.get("/reports/1/edition.html").get_data(as_text=True)
    assert "Innehåll" in html and "Samverkande organisationer" in html
    assert re.search(r'<html lang="sv">', html)
