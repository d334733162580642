"""Browser tests: the real app served over HTTP, driven through Debian's Chromium with Playwright.

Every test here is marked ``browser``. The app is the session ``app`` fixture from
tests/conftest.py; each test gets its own server thread (so no request outlives the test's
data) and its own browser context. The axe-core check and the sign-in go through the
page exactly as a person would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import DEMO_PASSWORD, PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_PATH = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CSP_MARKERS = ("Content Security Policy", "Refused to")

expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --- the server ------------------------------------------------------------------------------


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The session app over HTTP on a free port; yields the base URL (no trailing slash)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleLog:
    """Console errors of every page in a context, so a test can assert no CSP refusal happened."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Page) -> None:
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    @property
    def csp_violations(self) -> list[str]:
        return [text for text in self.errors if any(marker in text for marker in CSP_MARKERS)]

    def assert_no_csp_violations(self) -> None:
        assert not self.csp_violations, "CSP violations in the console:\n" + "\n".join(self.csp_violations)


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def new_context(browser: Browser, live_server: str, console: ConsoleLog) -> Iterator[Callable[[], BrowserContext]]:
    """Make extra browser contexts (separate cookie jars = separate people); all closed afterwards.

    The app's CSP stays enforced (no ``bypass_csp``), so a refused inline script or style shows
    up in the console; axe-core is injected through Playwright's evaluate, which CSP does not govern.
    """
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(
            base_url=live_server,
            accept_downloads=True,
            locale="sv-SE",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        context.on("page", console.attach)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[[], BrowserContext], console: ConsoleLog) -> Page:
    page = new_context().new_page()
    return page


@pytest.fixture
def post_statuses(page: Page) -> list[tuple[str, int]]:
    """(last path segment, status) of every POST the page makes, in order: what the server said
    to each save, preview or autosave while the test acts as the writer."""
    statuses: list[tuple[str, int]] = []

    def remember(response: Response) -> None:
        if response.request.method == "POST":
            statuses.append((response.url.rsplit("/", 1)[-1], response.status))

    page.on("response", remember)
    return statuses


# --- helpers the tests share -----------------------------------------------------------------


_axe_source: str | None = None


def _axe() -> str:
    global _axe_source
    if _axe_source is None:
        if not AXE_PATH.exists():
            pytest.fail(f"{AXE_PATH} is missing; run `npm ci`")
        _axe_source = AXE_PATH.read_text(encoding="utf-8")
    return _axe_source


def check_accessibility(page: Page, context: str | None = None) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now; fail on any violation."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated as a DevTools script, not an inline <script>: the page's CSP does not block it.
        page.evaluate(_axe())
    result = page.evaluate(
        """async (tags) => {
            const results = await axe.run(
                document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                count: v.nodes.length,
                target: v.nodes.length ? v.nodes[0].target.join(" ") : "",
                summary: v.nodes.length ? (v.nodes[0].failureSummary || "") : "",
            }));
        }""",
        AXE_TAGS,
    )
    if result:
        lines = [f"axe: {len(result)} violation(s) on {context or page.url}"]
        for violation in result:
            lines.append(
                f"- {violation['id']} ({violation['impact']}, {violation['count']} node(s)): {violation['help']}\n"
                f"    first node: {violation['target']}\n"
                f"    {violation['summary']}".rstrip()
            )
        message = "\n".join(lines)
        print(message)
        pytest.fail(message, pytrace=False)


def sign_in(page: Page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real login form and wait for the dashboard."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1, name="Mina bidrag")).to_be_visible()
