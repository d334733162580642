"""Sending stored files (PDFs, HTML editions): attachment, ETag = sha256, 304 when unchanged."""

from __future__ import annotations

from io import BytesIO

from flask import Response, send_file


def send_stored_file(data: bytes, *, mimetype: str, download_name: str, sha256: str) -> Response:
    """``data`` as a download named ``download_name``; If-None-Match with ``sha256`` gets 304.

    ``private, no-cache``: a browser may keep the file but asks again (cheaply, by ETag)
    before using it, and no shared cache stores it.
    """
    response = send_file(
        BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=download_name,
        etag=sha256,
        conditional=True,
        max_age=None,
    )
    response.cache_control.private = True
    return response
