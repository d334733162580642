"""HTML → PDF with WeasyPrint, reading nothing but the app's own static files.

The document's HTML refers to its stylesheet as ``/static/css/document.css`` (from
``url_for``). WeasyPrint resolves such references against ``DOCUMENT_BASE_URL``, an
origin under the reserved ``.invalid`` top-level domain, so every resource the
document needs becomes ``https://iop-rapport.invalid/static/...``. The URL fetcher
maps exactly those URLs onto files inside the static folder and refuses everything
else: other hosts, other schemes (``file:``, ``http:``, ``data:`` …), paths outside
``/static/``, and any path that resolves outside the static folder (``..``,
symlinks). Nothing is ever fetched over the network.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import mimetypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
from flask import current_app, has_request_context, request
from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

DOCUMENT_ORIGIN = "https://iop-rapport.invalid"
DOCUMENT_BASE_URL = DOCUMENT_ORIGIN + "/"
PDF_VARIANT = "pdf/ua-1"


class RefusedURL(ValueError):
    """The document asked for something outside the app's static files."""


class StaticFileFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only files under one folder.

    WeasyPrint 70 wants a ``URLFetcher`` instance whose ``fetch(url, headers)``
    returns a ``URLFetcherResponse``; an exception makes WeasyPrint skip the
    resource with a warning.
    """

    def __init__(
        self,
        static_folder: Path,
        *,
        origin: str = DOCUMENT_ORIGIN,
        static_url_path: str = "/static",
    ) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
        self.root = Path(static_folder).resolve()
        origin_parts = urlsplit(origin)
        self._scheme = origin_parts.scheme
        self._netloc = origin_parts.netloc
        self._prefix = "/" + static_url_path.strip("/") + "/"

    def resolve(self, url: str) -> Path:
        """The file ``url`` names, or ``RefusedURL``."""
        parts = urlsplit(url)
        if parts.scheme.lower() != self._scheme or parts.netloc.lower() != self._netloc:
            raise RefusedURL(f"refused (not the app's static files): {url[:200]}")
        path = unquote(parts.path)
        if not path.startswith(self._prefix) or "\x00" in path or "\\" in path:
            raise RefusedURL(f"refused (outside {self._prefix}): {url[:200]}")
        candidate = (self.root / path[len(self._prefix) :]).resolve()
        if not candidate.is_relative_to(self.root) or candidate == self.root:
            raise RefusedURL(f"refused (escapes the static folder): {url[:200]}")
        if not candidate.is_file():
            raise RefusedURL(f"refused (no such static file): {url[:200]}")
        return candidate

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except RefusedURL as refused:
            logger.warning("PDF render: %s", refused)
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def make_static_url_fetcher(static_folder: Path, *, static_url_path: str = "/static") -> StaticFileFetcher:
    return StaticFileFetcher(static_folder, static_url_path=static_url_path)


@functools.cache
def harfbuzz_subset_available() -> bool:
    """Whether HarfBuzz's subsetter is installed; without it WeasyPrint subsets fonts
    with fontTools, which is correct but slower."""
    if ctypes.util.find_library("harfbuzz-subset"):
        return True
    try:
        ctypes.CDLL("libharfbuzz-subset.so.0")
    except OSError:
        return False
    return True


@functools.cache
def _warn_if_slow_subsetting() -> None:
    if not harfbuzz_subset_available():
        logger.warning(
            "libharfbuzz-subset.so.0 is not installed: WeasyPrint falls back to the slower "
            "fontTools subsetter. Install libharfbuzz-subset0 for faster PDF renders."
        )


def app_static_folder() -> Path:
    """The app's static folder (needs an application context)."""
    folder = current_app.static_folder
    if folder is None:  # pragma: no cover - create_app always gives the app its static folder
        raise RuntimeError("Rendering needs the app's static folder.")
    return Path(folder)


def _static_url_path() -> str:
    script_root = request.script_root if has_request_context() else ""
    return script_root + (current_app.static_url_path or "/static")


# ------------------------------------------------------------------ render settings

# Python's cyclic garbage collector runs a young-generation pass every 700 allocations. A render
# allocates millions of short-lived objects (boxes, styles, text layouts) and those passes free
# next to nothing: on the demo report they cost about a sixth of the render for no saving in
# peak memory (measured: 4.69 s → 3.92 s, 98.5 → 100.2 MB added). During a render, one pass
# every 50 000 allocations.
RENDER_GC_THRESHOLD0 = 50_000
_gc_lock = threading.Lock()
_gc_renders = 0
_gc_saved: tuple[int, int, int] | None = None


@contextmanager
def tuned_for_rendering() -> Iterator[None]:
    """Raise the young-generation GC threshold for the render (also usable as a decorator).

    The thresholds are process-wide: with renders running at once in several threads, the
    first in raises them and the last out puts back what was there before.
    """
    global _gc_renders, _gc_saved
    with _gc_lock:
        if _gc_renders == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(RENDER_GC_THRESHOLD0, _gc_saved[0]), *_gc_saved[1:])
        _gc_renders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_renders -= 1
            if _gc_renders == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)


def _cache_pydyf_page_references() -> bool:
    """Make pydyf's ``PDF.page_references`` cost O(1) instead of O(pages) per use.

    pydyf 0.13 builds the tuple of every page's reference anew each time the property is
    read, and WeasyPrint's tagging reads it once per structure element: O(pages × elements),
    ≈8 % of a 95-page render and growing with the square of the report. The cached tuple is
    rebuilt whenever the page count changes, so the PDF is byte for byte the same (tested).
    Applied only to the pydyf versions whose property is known to be this one.
    """
    if getattr(pydyf, "__version__", "") not in {"0.11.0", "0.12.0", "0.12.1", "0.13.0"}:
        return False
    if getattr(pydyf.PDF.page_references, "fget", None) is _cached_page_references:
        return True
    pydyf.PDF._uncached_page_references = pydyf.PDF.page_references
    pydyf.PDF.page_references = property(_cached_page_references)
    return True


def _cached_page_references(pdf) -> tuple:
    count = pdf.pages["Count"]
    cached = pdf.__dict__.get("_iop_page_references")
    if cached is None or cached[0] != count:
        cached = (count, pdf._uncached_page_references)
        pdf.__dict__["_iop_page_references"] = cached
    return cached[1]


PYDYF_PAGE_REFERENCES_CACHED = _cache_pydyf_page_references()


# ------------------------------------------------------------------ rendering

ALLOWED_LINK_PREFIXES = ("https://", "mailto:")


def drop_attachments_and_foreign_links(document: Document) -> Document:
    """``document`` (WeasyPrint's, laid out) without file attachments (``<link rel=attachment>``,
    ``<a rel=attachment>``) and without links other than internal, ``https:`` and ``mailto:``.

    The sanitizer already keeps all of these out of user text; this holds even if a template
    or a future sanitizer change let one through.
    """
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [
            link
            for link in page.links
            if link[0] == "internal"
            or (link[0] == "external" and str(link[1]).lower().startswith(ALLOWED_LINK_PREFIXES))
        ]
    return document


@tuned_for_rendering()
def render_pdf(html: str) -> bytes:
    """The document's HTML (from ``render_document_html(..., for_print=True)``) as PDF/UA-1.

    Needs an application context (for the static folder). Title, language and
    description come from the HTML's ``<title>``, ``lang`` and ``<meta>``.
    """
    _warn_if_slow_subsetting()
    fetcher = make_static_url_fetcher(app_static_folder(), static_url_path=_static_url_path())
    source = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=fetcher, media_type="print")
    document = drop_attachments_and_foreign_links(source.render(pdf_variant=PDF_VARIANT))
    return document.write_pdf(pdf_variant=PDF_VARIANT)


@tuned_for_rendering()
def render_pdf_in_stages(html: str, on_stage: Callable[[str], None]) -> tuple[bytes, int]:
    """``render_pdf``, telling ``on_stage`` as each step begins; returns the PDF and its page count.

    The steps: ``"parse"`` (HTML and CSS), ``"layout"`` (pagination) and ``"write"``
    (the PDF file). The background worker shows them as progress. The bytes are those
    ``render_pdf`` makes from the same HTML (a test holds the two together).
    """
    _warn_if_slow_subsetting()
    on_stage("parse")
    fetcher = make_static_url_fetcher(app_static_folder(), static_url_path=_static_url_path())
    source = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=fetcher, media_type="print")
    on_stage("layout")
    document = drop_attachments_and_foreign_links(source.render(pdf_variant=PDF_VARIANT))
    on_stage("write")
    return document.write_pdf(pdf_variant=PDF_VARIANT), len(document.pages)
