"""The PDF's URL fetcher serves the app's static files and nothing else; the period formatter."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from webapp.document.build import format_period, swedish_sort_key
from webapp.document.pdf import (
    DOCUMENT_ORIGIN,
    RefusedURL,
    StaticFileFetcher,
    harfbuzz_subset_available,
    make_static_url_fetcher,
    render_pdf,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STATIC = PROJECT_ROOT / "static"


@pytest.fixture
def fetcher():
    return make_static_url_fetcher(STATIC)


def test_serves_a_shipped_font(fetcher):
    response = fetcher.fetch(f"{DOCUMENT_ORIGIN}/static/fonts/DejaVuSans.ttf")
    try:
        assert response.read() == (STATIC / "fonts" / "DejaVuSans.ttf").read_bytes()
    finally:
        response.close()
    assert (
        response.content_type.startswith("font/")
        or response.content_type.endswith("font-sfnt")
        or response.content_type == "application/octet-stream"
    )


def test_serves_the_stylesheet_as_css(fetcher):
    response = fetcher.fetch(f"{DOCUMENT_ORIGIN}/static/css/document.css")
    response.close()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"file://{STATIC}/fonts/DejaVuSans.ttf",  # even the static folder, by file:
        "http://example.org/x",
        "https://example.org/static/fonts/DejaVuSans.ttf",
        "http://iop-rapport.invalid/static/fonts/DejaVuSans.ttf",  # right host, wrong scheme
        f"{DOCUMENT_ORIGIN}/static/../webapp/config.py",
        f"{DOCUMENT_ORIGIN}/static/css/../../webapp/config.py",
        f"{DOCUMENT_ORIGIN}/static/%2e%2e/webapp/config.py",
        f"{DOCUMENT_ORIGIN}/static/..%2fwebapp%2fconfig.py",
        f"{DOCUMENT_ORIGIN}/static//etc/passwd",
        f"{DOCUMENT_ORIGIN}/webapp/config.py",
        f"{DOCUMENT_ORIGIN}/static/",
        f"{DOCUMENT_ORIGIN}/static/fonts/no-such-font.ttf",
        "data:text/plain,hello",
        "ftp://example.org/x",
    ],
)
def test_refuses_everything_else(fetcher, url):
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_refuses_a_symlink_out_of_the_static_folder(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(RefusedURL):
        make_static_url_fetcher(static).fetch(f"{DOCUMENT_ORIGIN}/static/link.txt")


def test_weasyprint_loads_css_and_fonts_only_through_the_fetcher(monkeypatch):
    """A whole render: the shipped font is embedded, a file: image is asked for and refused."""
    asked: list[tuple[str, bool]] = []
    original_fetch = StaticFileFetcher.fetch

    def recording_fetch(self, url, headers=None):
        try:
            response = original_fetch(self, url, headers)
        except RefusedURL:
            asked.append((url, False))
            raise
        asked.append((url, True))
        return response

    monkeypatch.setattr(StaticFileFetcher, "fetch", recording_fetch)
    app = Flask(__name__, static_folder=str(STATIC))
    html = (
        '<!doctype html><html lang="sv"><head><title>Prov</title>'
        '<link rel="stylesheet" href="/static/css/document.css"></head>'
        '<body><p>Hej världen</p><img src="file:///etc/passwd" alt="x"></body></html>'
    )
    with app.app_context():
        pdf = render_pdf(html)
    reader = PdfReader(BytesIO(pdf))
    fonts = {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert any("Rapport-Sans" in name for name in fonts), fonts
    assert "Hej världen" in reader.pages[0].extract_text()
    assert (f"{DOCUMENT_ORIGIN}/static/css/document.css", True) in asked
    assert (f"{DOCUMENT_ORIGIN}/static/fonts/DejaVuSans.ttf", True) in asked
    assert ("file:///etc/passwd", False) in asked
    assert reader.metadata.title == "Prov"


def test_harfbuzz_subset_check_answers_yes_or_no():
    assert harfbuzz_subset_available() in (True, False)


def test_period_is_written_the_swedish_way():
    assert format_period(date(2021, 11, 1), date(2022, 4, 30)) == "1 november 2021 – 30 april 2022"
    assert format_period(date(2023, 5, 1), date(2023, 10, 31)) == "1 maj 2023 – 31 oktober 2023"


def test_partners_sort_in_swedish_order():
    names = ["Ölands", "Ängby", "Åkers", "Zeta", "alfa"]
    assert sorted(names, key=swedish_sort_key) == ["alfa", "Zeta", "Åkers", "Ängby", "Ölands"]
