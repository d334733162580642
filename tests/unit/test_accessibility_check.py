"""check_pdf on small PDFs: a tagged one that passes, and ones broken in one way each.

The passing PDF is WeasyPrint's PDF/UA-1 of a tiny page (a heading, a table with header cells,
an SVG figure with a title); the failing ones are that file changed with pypdf, or rendered
without what the check asks for.
"""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject
from weasyprint import HTML

from webapp.document.accessibility import check_pdf

SVG_WITH_TITLE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" role="img">'
    '<title>Besök per månad</title><rect width="100" height="50"/></svg>'
)
SVG_WITHOUT_TITLE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="100" height="50"/></svg>'
)
TABLE_WITH_HEADERS = (
    "<table><thead><tr><th scope='col'>Månad</th><th scope='col'>Besök</th></tr></thead>"
    "<tbody><tr><td>November</td><td>1 450</td></tr></tbody></table>"
)
TABLE_WITHOUT_HEADERS = "<table><tr><td>November</td><td>1 450</td></tr></table>"


def render(
    body: str, *, lang: str = "sv", title: str = "Provrapport", variant: str | None = "pdf/ua-1", css: str = ""
) -> bytes:
    html = (
        f"<!doctype html><html{f' lang={lang}' if lang else ''}><head>"
        f"{f'<title>{title}</title>' if title else ''}<style>{css}</style></head><body>{body}</body></html>"
    )
    return HTML(string=html).write_pdf(pdf_variant=variant)


GOOD_BODY = (
    f"<h1>Rapport</h1><p>Text med en <a href='https://stockholm.se'>länk</a>.</p>{TABLE_WITH_HEADERS}{SVG_WITH_TITLE}"
)


@pytest.fixture(scope="module")
def good_pdf() -> bytes:
    return render(GOOD_BODY)


def changed(pdf: bytes, change) -> bytes:
    """``pdf`` copied by pypdf with ``change(writer)`` applied."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def add_link(writer: PdfWriter, action: dict) -> None:
    """A link annotation on the first page that does ``action``."""
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(10), FloatObject(10), FloatObject(60), FloatObject(30)]),
            NameObject("/A"): DictionaryObject(action),
        }
    )
    writer.add_annotation(0, annotation)


def test_a_tagged_pdf_ua_file_passes(good_pdf):
    assert check_pdf(good_pdf) == []


def test_a_copy_made_by_pypdf_still_passes(good_pdf):
    assert check_pdf(changed(good_pdf, lambda writer: None)) == []


def test_something_that_is_not_a_pdf():
    problems = check_pdf(b"<html>not a pdf</html>")
    assert len(problems) == 1 and "kan inte läsas" in problems[0]


def test_an_untagged_pdf_without_language_or_title_fails_on_each():
    problems = check_pdf(render("<h1>Rubrik</h1><p>Text</p>", lang="", title="", variant=None))
    text = "\n".join(problems)
    assert "strukturträd" in text
    assert "/MarkInfo" in text
    assert "PDF/UA" in text
    assert "språk" in text
    assert "titel i metadata" in text
    assert "DisplayDocTitle" in text


def test_a_document_in_another_language_fails():
    problems = check_pdf(render("<h1>Report</h1>", lang="en"))
    assert len(problems) == 1 and "språk" in problems[0] and "”en”" in problems[0]


def test_a_table_without_header_cells_fails():
    problems = check_pdf(render(f"<h1>Rapport</h1>{TABLE_WITH_HEADERS}{TABLE_WITHOUT_HEADERS}"))
    assert problems == ["1 tabell(er) saknar rubrikceller (TH)."]


def test_a_figure_without_a_text_alternative_fails():
    problems = check_pdf(render(f"<h1>Rapport</h1>{SVG_WITH_TITLE}{SVG_WITHOUT_TITLE}"))
    assert problems == ["1 figur(er) saknar alternativtext."]


def test_headings_without_bookmarks_fail():
    problems = check_pdf(render("<h1>Rapport</h1><h2>Avsnitt</h2>", css="h1, h2 { bookmark-level: none }"))
    assert problems == ["Dokumentet har rubriker men inga bokmärken."]


def test_an_embedded_file_fails(good_pdf):
    pdf = changed(good_pdf, lambda writer: writer.add_attachment("passwd.txt", b"root:x:0:0"))
    problems = check_pdf(pdf)
    assert problems and all("bifogad fil" in problem for problem in problems)


def test_a_file_attachment_annotation_fails(good_pdf):
    def attach(writer):
        writer.add_annotation(
            0,
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/FileAttachment"),
                    NameObject("/Rect"): ArrayObject(
                        [FloatObject(0), FloatObject(0), FloatObject(10), FloatObject(10)]
                    ),
                }
            ),
        )

    assert any("FileAttachment" in problem for problem in check_pdf(changed(good_pdf, attach)))


def test_document_level_javascript_fails(good_pdf):
    def add_script(writer):
        script = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")}
        )
        names = writer._root_object.setdefault(NameObject("/Names"), DictionaryObject())
        names[NameObject("/JavaScript")] = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(script)])}
        )

    problems = check_pdf(changed(good_pdf, add_script))
    assert any("JavaScript" in problem for problem in problems)


def test_a_launch_action_fails(good_pdf):
    problems = check_pdf(
        changed(
            good_pdf,
            lambda writer: add_link(
                writer, {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("/bin/sh")}
            ),
        )
    )
    assert any("Launch" in problem for problem in problems)


def test_an_open_action_running_javascript_fails(good_pdf):
    def open_action(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )

    assert any("JavaScript" in problem for problem in check_pdf(changed(good_pdf, open_action)))


@pytest.mark.parametrize("uri", ["http://evil.example/", "file:///etc/passwd", "javascript:alert(1)", "ftp://x.se/a"])
def test_links_other_than_https_or_mailto_fail(good_pdf, uri):
    pdf = changed(
        good_pdf,
        lambda writer: add_link(
            writer, {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(uri)}
        ),
    )
    problems = check_pdf(pdf)
    assert len(problems) == 1 and "Otillåten länk" in problems[0] and uri in problems[0]


@pytest.mark.parametrize("uri", ["https://stockholm.se/x", "mailto:eu@example.se"])
def test_https_and_mailto_links_pass(good_pdf, uri):
    pdf = changed(
        good_pdf,
        lambda writer: add_link(
            writer, {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(uri)}
        ),
    )
    assert check_pdf(pdf) == []


def test_internal_links_pass():
    pdf = render("<h1 id='a'>Rapport</h1><p><a href='#a'>Till början</a></p>")
    assert check_pdf(pdf) == []
