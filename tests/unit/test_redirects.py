"""Which redirect targets count as a path on this site (webapp/redirects.py)."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from webapp.redirects import same_site_path

SITE = "https://iop.example"

HOSTILE = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "HTTPS://evil.example",
    "/%0d%0aSet-Cookie:x=y",
    "/\r\nSet-Cookie:x=y",
    "\r\n",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "/\x00/",
    "/\x7f/evil.example",
    "/\x85/evil.example",  # C1: next line
    " //evil.example",
    "\t//evil.example",
    "/.//evil.example",
    "/./evil.example",
    "/../evil.example",
    "/%2e%2e/evil.example",
    "/%2F%2Fevil.example",
    "/%5cevil.example",
    "/\u2028/evil.example",  # line separator
    "/\u200b/evil.example",  # zero-width space
    "/\u202e/elpmaxe.live",  # right-to-left override
    "/\u3000/evil.example",  # ideographic space
    "/\xa0/evil.example",  # no-break space
    "//[",
    "",
    None,
]

FINE = ["/", "/reports/2", "/reports/2?tab=matrix#publications", "/blocks/12/", "/sök?q=ä", "/?next=//x.example"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize("target", FINE)
def test_paths_on_the_site_are_kept_as_they_are(target):
    assert same_site_path(target) == target


def browser_destination(location: str) -> str:
    """Where a browser goes for ``Location: location`` on SITE (WHATWG: tab and newline removed,
    backslash read as slash, dot segments resolved)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip("\x00\x20")
    return urljoin(SITE + "/start", cleaned)


# Characters that build tricky addresses, mixed with anything else.
TRICKY = st.sampled_from(list("/\\.:@%?#\t\r\n\x00 ") + ["%2f", "%5c", "%0d", "%2e", "\u2028", "\uff0f", "evil"])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.lists(st.one_of(TRICKY, st.text(max_size=3))).map("".join)))
@example("/\t/evil.example/")
@example("/.//evil.example")
def test_any_string_gives_a_path_on_the_site_or_nothing(target):
    path = same_site_path(target)
    if path is None:
        return
    assert path == target
    assert path.startswith("/") and not path.startswith("//")
    assert path.isprintable() and "\\" not in path
    assert not urlsplit(path).scheme and not urlsplit(path).netloc
    destination = urlsplit(browser_destination(path))
    assert (destination.scheme, destination.netloc) == ("https", "iop.example")
    # Decoded once more by a router or a later redirect, it still names no other host.
    assert not unquote(urlsplit(path).path).startswith("//")
