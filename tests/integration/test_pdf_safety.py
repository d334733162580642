"""Hostile text saved by a writer never makes the PDF fetch, attach, run or link anything.

The text goes the normal way (POST /blocks/<id>/save → webapp.content's Markdown and nh3), then
the document is rendered. ``StaticFileFetcher.fetch`` is wrapped to record every URL WeasyPrint
asks for: only the app's own static files may be among them. A last test feeds unsanitized HTML
straight to the renderer, to show the fetcher holds even if the sanitizer did not.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from pypdf.generic import DictionaryObject

from tests.integration.helpers import block_version, find_block, post
from tests.pdf_tools import page_texts, reader_for
from webapp.document import render_document_html, render_pdf
from webapp.document.accessibility import check_pdf
from webapp.document.edition import render_html_edition
from webapp.document.pdf import DOCUMENT_ORIGIN, StaticFileFetcher
from webapp.extensions import db
from webapp.models import Block
from webapp.services.reports.documents import build_document

WRITER = "skribent.crossroads@demo.iop"
STATIC_PREFIX = f"{DOCUMENT_ORIGIN}/static/"
HOSTILE = "\n\n".join(
    [
        "Inledning med [stadens sida](https://stockholm.se/) och [mejl](mailto:eu@example.se).",
        "<img src=file:///etc/passwd>",
        "![lösenord](file:///etc/passwd) ![fjärrbild](https://evil.example/x.png)",
        '<link rel=attachment href="file:///etc/passwd">',
        "[klicka](javascript:alert(1)) [data](data:text/html,<script>alert(1)</script>)",
        '<a href="http://evil.example/">okrypterad</a> [okrypterad länk](http://evil.example/) <http://evil.example/auto>',
        '<p style="background: url(file:///etc/passwd)">stil</p>',
        "<style>body { background: url(https://evil.example/x.png) } @import url(file:///etc/passwd);</style>",
        '<object data="file:///etc/passwd"></object><embed src="file:///etc/passwd"><iframe src="file:///etc/passwd"></iframe>',
        '<svg><image href="file:///etc/passwd"/></svg>',
        "| Kolumn | Bild |\n|---|---|\n| <img src=file:///etc/shadow> | ![x](file:///etc/shadow) |",
        "Slutord efter allt det fientliga.",
    ]
)
ALLOWED_LINKS = {"https://stockholm.se/", "mailto:eu@example.se"}


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Every URL WeasyPrint asks the app's fetcher for, during the test."""
    urls: list[str] = []
    original = StaticFileFetcher.fetch

    def recording_fetch(self, url, headers=None):
        urls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFileFetcher, "fetch", recording_fetch)
    return urls


@pytest.fixture
def hostile_block(app, signed_in) -> tuple[int, int]:
    """(block id, section id) of a block of the open report whose text is HOSTILE, saved as usual."""
    client = signed_in(WRITER)
    block_id = find_block(app, "dag-besok", "crossroads")
    response = post(
        client, f"/blocks/{block_id}/save", {"source": HOSTILE, "base_version": block_version(app, block_id)}
    )
    assert response.status_code == 302
    with app.app_context():
        block = db.session.get(Block, block_id)
        assert block.current_revision.source == HOSTILE
        section_id = block.section_id
        db.session.remove()
    return block_id, section_id


class _Tags(HTMLParser):
    """The real tags of a page and their attributes (escaped text such as ``&lt;img&gt;`` is no tag)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def values(self, *names: str) -> set[str]:
        return {attrs[name] or "" for _, attrs in self.tags for name in names if name in attrs}


def _link_targets(pdf: bytes) -> set[str]:
    targets = set()
    for page in reader_for(pdf).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if isinstance(action, DictionaryObject) and "/URI" in action:
                targets.add(str(action["/URI"]))
    return targets


def _assert_nothing_fetched_outside_static(urls: list[str]) -> None:
    assert urls, "the fetcher was not called at all: the instrumentation is broken"
    outside = [url for url in urls if not url.startswith(STATIC_PREFIX)]
    assert not outside, outside
    assert any(url.endswith("/css/document.css") for url in urls)
    assert any(url.endswith(".ttf") for url in urls)


def _assert_safe(pdf: bytes) -> None:
    assert check_pdf(pdf) == []  # no embedded file, no JavaScript/launch action, links https/mailto
    assert _link_targets(pdf) == ALLOWED_LINKS
    raw = pdf.lower()
    for marker in (b"/embeddedfile", b"/filespec", b"/launch", b"/javascript", b"evil.example", b"etc/passwd"):
        assert marker not in raw, marker
    text = " ".join(page_texts(pdf))
    assert "root:x:0" not in text
    assert "Slutord efter allt det fientliga." in text  # the block was rendered, to the end


def test_section_preview_of_hostile_text_fetches_and_links_nothing_outside(app, signed_in, hostile_block, fetched):
    block_id, section_id = hostile_block
    response = signed_in(WRITER).get(f"/reports/2/sections/{section_id}/preview.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    _assert_safe(response.data)
    _assert_nothing_fetched_outside_static(fetched)


def test_whole_document_of_hostile_text_fetches_and_links_nothing_outside(app, hostile_block, fetched):
    with app.app_context(), app.test_request_context():
        html = render_document_html(build_document(2, draft=True), for_print=True)
        pdf = render_pdf(html)
        db.session.remove()
    _assert_safe(pdf)
    _assert_nothing_fetched_outside_static(fetched)
    # The sanitized block: plain http links and scripted ones keep their text but lose their target.
    tags = _Tags(html)
    assert "okrypterad" in html
    assert {v for v in tags.values("href") if not v.startswith(("#", "/static/"))} == ALLOWED_LINKS
    assert not tags.values("src", "data", "style")


def test_html_edition_of_hostile_text_refers_to_nothing_outside(app, hostile_block):
    with app.app_context():
        html = render_html_edition(build_document(2, draft=True))
        db.session.remove()
    tags = _Tags(html)
    assert {
        v for v in tags.values("href", "src", "data", "action", "srcset", "poster") if not v.startswith("#")
    } == ALLOWED_LINKS
    assert not {tag for tag, _ in tags.tags} & {"img", "link", "object", "embed", "iframe", "script", "image", "base"}
    assert not tags.values("style")  # no inline style; the one <style> element is the app's CSS
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "url(" not in style and "@import" not in style and "evil.example" not in style


def test_the_renderer_holds_even_for_unsanitized_html(app, fetched):
    # Defence in depth: HTML that never went through the sanitizer still cannot read a file,
    # reach another host, attach a file (not even one of the app's own) or link elsewhere.
    html = (
        '<!doctype html><html lang="sv"><head><title>Prov</title>'
        '<link rel="stylesheet" href="/static/css/document.css">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<link rel="attachment" href="/static/css/document.css">'
        '<link rel="attachment" href="file:///etc/passwd">'
        '<style>@import url("https://evil.example/x.css"); p { background: url(file:///etc/passwd) }</style>'
        '</head><body><h1>Prov</h1><p>Text</p><img src="file:///etc/passwd" alt="x">'
        '<img src="/static/../../../../etc/passwd" alt="y"><img src="http://127.0.0.1:1/x.png" alt="z">'
        '<p><a rel="attachment" href="/static/css/tables.css">bilaga</a> <a href="http://evil.example/">http</a> '
        '<a href="file:///etc/passwd">fil</a> <a href="javascript:alert(1)">skript</a> '
        '<a href="https://stockholm.se/">https</a> <a href="mailto:eu@example.se">mejl</a> <a href="#prov">inom</a></p>'
        "</body></html>"
    )
    with app.app_context(), app.test_request_context():
        pdf = render_pdf(html)
    refused = [url for url in fetched if not url.startswith(STATIC_PREFIX) or "etc/passwd" in url]
    assert any("file:///etc/passwd" in url for url in refused)
    assert any("evil.example" in url for url in refused)
    assert any("127.0.0.1" in url for url in refused)
    assert b"root:x:0" not in pdf
    assert check_pdf(pdf) == []  # no attachment, no action, no foreign link
    assert _link_targets(pdf) == ALLOWED_LINKS
    assert b"/EmbeddedFile" not in pdf and b"/FileAttachment" not in pdf
