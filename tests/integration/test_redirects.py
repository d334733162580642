"""Every redirect to an address from the request stays on the site: /login's ``next`` and the
language switch's ``next`` (webapp/redirects.py). CR/LF never gives a 500."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import DEMO_PASSWORD, csrf_token
from tests.integration.helpers import post
from tests.unit.test_redirects import HOSTILE

WRITER = "skribent.crossroads@demo.iop"
HOSTS = {"localhost", ""}

REFUSED = [t for t in HOSTILE if t is not None] + ["//evil.example@localhost", "https:/\\evil.example"]
# Look-alike slashes are ordinary characters of a path on this site (sent percent-encoded).
LOOK_ALIKES = ["/\uff0f\uff0fevil.example", "/\u2215evil.example"]
TARGETS = REFUSED + LOOK_ALIKES


def assert_on_site(response) -> bool:
    """A redirect on the site (True), or a refusal (4xx, False, e.g. the NUL guard's 422)."""
    if 400 <= response.status_code < 500:
        assert "Location" not in response.headers
        return False
    assert response.status_code in (302, 303), response.status_code
    location = response.headers["Location"]
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        assert parts.netloc == "localhost", location
    else:
        assert location.startswith("/") and not location.startswith("//") and not location.startswith("/\\"), location
    # As a browser reads it: tab and newline removed, backslash as slash.
    browser = urljoin("http://localhost/x", re.sub(r"[\t\n\r]", "", location).replace("\\", "/"))
    assert urlsplit(browser).netloc == "localhost", location
    assert "\r" not in location and "\n" not in location
    return True


@pytest.mark.parametrize("target", TARGETS)
def test_sign_in_with_a_hostile_next_lands_on_the_site(app, demo, target):
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": WRITER, "password": DEMO_PASSWORD, "csrf_token": token, "next": target}
    )
    signed_in_now = client.get("/").status_code == 200
    assert assert_on_site(response) == signed_in_now  # refused: not signed in; followed: signed in


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie:x=y", "/\t/evil.example/", "//evil.example"])
def test_the_sign_in_page_takes_a_hostile_next_in_its_address(client, demo, target):
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 200
    token = csrf_token(client, "/login")
    signed = client.post("/login", data={"email": WRITER, "password": DEMO_PASSWORD, "csrf_token": token})
    assert signed.headers["Location"] == "/"


@pytest.mark.parametrize("target", TARGETS)
def test_the_language_switch_with_a_hostile_next_lands_on_the_site(signed_in, target):
    client = signed_in(WRITER)
    response = post(client, "/language", {"language": "en", "next": target})
    if assert_on_site(response) and target in REFUSED:
        assert response.headers["Location"] == "/"


def test_the_language_switch_without_a_user_stays_on_the_site(client, demo):
    token = csrf_token(client, "/login")
    response = client.post("/language", data={"language": "en", "next": "/\r\n/evil.example/", "csrf_token": token})
    assert assert_on_site(response) and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/reports/2?tab=x#publications", "/blocks/12"])
def test_a_path_on_the_site_is_followed(signed_in, client, demo, target):
    assert post(signed_in(WRITER), "/language", {"language": "sv", "next": target}).headers["Location"] == target
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": WRITER, "password": DEMO_PASSWORD, "csrf_token": token, "next": target}
    )
    assert response.headers["Location"] == target
