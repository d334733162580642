"""A public XSS corpus saved into a block: nothing active survives on the page or in the document."""

import re

import pytest

from tests.integration.helpers import block_version, find_block, post

# From the OWASP XSS filter evasion cheat sheet and the html5sec.org vectors, trimmed.
CORPUS = [
    "<script>alert('XSS')</script>",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<svg/onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    "<iframe src=\"javascript:alert('XSS');\"></iframe>",
    "<a href=\"jav&#x09;ascript:alert('XSS');\">x</a>",
    "[x](javascript&#58;alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<details open ontoggle=alert(1)>",
    '<div hx-get="/logout" hx-trigger="load">x</div>',
    '<math><maction xlink:href="javascript:alert(1)">x</maction></math>',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<object data="javascript:alert(1)">',
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    "![x](https://evil.example/x.png)",
]
ACTIVE = re.compile(
    r"<\s*(script|iframe|object|embed|svg|math|style|meta|base|form|img|details|body)\b"
    r"|\son[a-z]+\s*=|javascript:|hx-[a-z]+=|data:text",
    re.IGNORECASE,
)


def _markup(html: str) -> str:
    """Only what sits inside real tags; escaped text (&lt;script&gt;) is harmless."""
    return " ".join(re.findall(r"<[^>]*>", html))


@pytest.fixture
def hostile_block(app, signed_in):
    client = signed_in("skribent.crossroads@demo.iop")
    block_id = find_block(app, "dag-besok", "crossroads")
    response = post(
        client,
        f"/blocks/{block_id}/save",
        {"source": "\n\n".join(CORPUS), "base_version": block_version(app, block_id)},
    )
    assert response.status_code == 302
    return client, block_id


def test_block_page_shows_the_corpus_as_text(hostile_block):
    client, block_id = hostile_block
    page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
    rendered = page.split('id="preview"', 1)[1].split("</div>", 1)[0]
    assert "&lt;script&gt;" in rendered
    assert not ACTIVE.search(_markup(rendered))


def test_reader_and_document_preview_have_nothing_active(app, signed_in, hostile_block):
    _, block_id = hostile_block
    reader = signed_in("skribent.eu-center@demo.iop")
    page = reader.get(f"/blocks/{block_id}").get_data(as_text=True)
    content = page.split('id="content-heading"', 1)[1].split("</section>", 1)[0]
    assert not ACTIVE.search(_markup(content))
    # The chapters the preview's first page loads (htmx), then the whole document on one page.
    for chapter in (1, 2, 3):
        fragment = reader.get(f"/reports/2/preview/{chapter}", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert not ACTIVE.search(_markup(re.sub(r'<svg[^>]*class="chart[^"]*".*?</svg>', "", fragment, flags=re.S)))
    document = reader.get("/reports/2/preview/all").get_data(as_text=True)
    body = document.split("<body", 1)[1]
    body_without_app_assets = re.sub(r"<(link|script)[^>]*static/[^>]*>", "", body)
    # The toolbar is the app's own chrome (its draft-PDF button is a POST form); user text
    # only ever reaches <main class="doc">.
    body_without_app_assets = re.sub(
        r'<nav class="doc-toolbar".*?</nav>', "", body_without_app_assets, count=1, flags=re.S
    )
    # Charts are SVG drawn by webapp/document/charts.py; user text never becomes SVG.
    body_without_app_assets = re.sub(r'<svg[^>]*class="chart[^"]*".*?</svg>', "", body_without_app_assets, flags=re.S)
    assert not ACTIVE.search(_markup(body_without_app_assets))


def test_revision_diff_escapes_the_source(hostile_block):
    client, block_id = hostile_block
    page = client.get(f"/blocks/{block_id}/revisions/1").get_data(as_text=True)
    diff = page.split('class="diff"', 1)[1].split("</table>", 1)[0]
    assert not ACTIVE.search(_markup(diff))
