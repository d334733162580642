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
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, request
from weasyprint import HTML
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
        candidate = (self.root / path[len(self._prefix):]).resolve()
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


def _static_url_path() -> str:
    script_root = request.script_root if has_request_context() else ""
    return script_root + (current_app.static_url_path or "/static")


def render_pdf(html: str) -> bytes:
    """The document's HTML (from ``render_document_html(..., for_print=True)``) as PDF/UA-1.

    Needs an application context (for the static folder). Title, language and
    description come from the HTML's ``<title>``, ``lang`` and ``<meta>``.
    """
    _warn_if_slow_subsetting()
    fetcher = make_static_url_fetcher(Path(current_app.static_folder), static_url_path=_static_url_path())
    document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=fetcher, media_type="print")
    return document.write_pdf(pdf_variant=PDF_VARIANT)
