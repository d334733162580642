"""The renderer's process settings: a cached page-reference list in pydyf and a quieter GC.

Both only make renders faster; the PDF must come out byte for byte the same.
"""

from __future__ import annotations

import gc

import pydyf
import pytest
from weasyprint import HTML

from webapp.document import pdf as pdf_module
from webapp.document.pdf import RENDER_GC_THRESHOLD0, tuned_for_rendering

# Tagged (PDF/UA) and several pages, so every structure element asks for its page's reference.
MANY_PAGES = (
    '<html lang="sv"><head><title>Prov</title></head><body>'
    + "".join(
        f'<h2 style="break-before: page">Avsnitt {n}</h2><p>Text {n}</p>'
        "<table><tr><th>Månad</th><th>Besök</th></tr><tr><td>Nov</td><td>1</td></tr></table>"
        for n in range(12)
    )
    + "</body></html>"
)


def test_pydyf_page_references_are_cached_on_this_pydyf():
    assert pdf_module.PYDYF_PAGE_REFERENCES_CACHED
    assert pydyf.PDF.page_references.fget is pdf_module._cached_page_references


def test_cached_page_references_give_the_same_pdf(monkeypatch):
    cached = HTML(string=MANY_PAGES).write_pdf(pdf_variant="pdf/ua-1")
    monkeypatch.setattr(pydyf.PDF, "page_references", pydyf.PDF._uncached_page_references)
    uncached = HTML(string=MANY_PAGES).write_pdf(pdf_variant="pdf/ua-1")
    assert cached == uncached


def test_cached_page_references_follow_new_pages():
    document = pydyf.PDF()
    assert document.page_references == ()
    for expected in (1, 2):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
        assert len(document.page_references) == expected
    assert document.page_references == document._uncached_page_references


def test_the_gc_threshold_is_raised_only_while_rendering():
    before = gc.get_threshold()
    with tuned_for_rendering():
        assert gc.get_threshold()[0] == max(RENDER_GC_THRESHOLD0, before[0])
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_overlapping_renders_restore_the_threshold_when_the_last_one_ends():
    before = gc.get_threshold()
    first, second = tuned_for_rendering(), tuned_for_rendering()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold()[0] == RENDER_GC_THRESHOLD0  # the second render is still running
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_a_failing_render_restores_the_threshold_too():
    before = gc.get_threshold()

    @tuned_for_rendering()
    def failing():
        raise RuntimeError("WeasyPrint failed")

    with pytest.raises(RuntimeError):
        failing()
    assert gc.get_threshold() == before
