"""The few htmx idioms the views share."""

from flask import Response, request


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not a boosted full page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def htmx_redirect(url: str) -> Response:
    """After an htmx POST, let the browser navigate instead of swapping a 302 body."""
    response = Response(status=204)
    response.headers["HX-Redirect"] = url
    return response
