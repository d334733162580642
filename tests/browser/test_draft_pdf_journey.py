"""A reader takes the draft away as PDF, from the report overview and from the document
preview's toolbar (issue 15, item 6): the button posts, the page that answers shows the finished
render and its download, and the draft's address only serves what is already made. Every
response and console message of the journey is listened to."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import BrowserContext, Page, Response, expect
from sqlalchemy import func, select

from tests.browser.conftest import check_accessibility, sign_in
from tests.browser.test_writer_journeys import Failures
from webapp.extensions import db
from webapp.models import RenderJob

READER = "skribent.stadsmissionen-natt@demo.iop"
REPORT_ID = 2
BUTTON = "Ladda ner utkast som PDF"


def _render_jobs(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(RenderJob)) or 0
        db.session.remove()
    return count


def _download_draft(page: Page) -> tuple[str, bytes]:
    """On the page that answers the button: wait for the render, then download it."""
    expect(page.get_by_role("heading", level=1, name="Utkast som PDF")).to_be_visible()
    panel = page.locator("#draft-render")
    expect(panel).to_contain_text("PDF:en är klar")
    with page.expect_download() as download_info:
        panel.get_by_role("link", name="Ladda ner utkastet som PDF").click()
    download = download_info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_a_reader_downloads_the_draft_from_the_overview_and_the_preview(
    app, demo, live_server, new_context: Callable[[], BrowserContext], console
):
    failures = Failures(console)
    page = failures.attach(new_context().new_page())
    requests: list[tuple[str, str, int]] = []

    def record(response: Response) -> None:
        requests.append((response.request.method, urlparse(response.url).path, response.status))

    page.on("response", record)
    sign_in(page, live_server, READER)
    overview = f"{live_server}/reports/{REPORT_ID}"
    draft_address = f"/reports/{REPORT_ID}/draft.pdf"

    # Following the draft's address before anything was made starts nothing: it offers the button.
    page.goto(live_server + draft_address)
    expect(page.get_by_text("finns inte som PDF än")).to_be_visible()
    assert _render_jobs(app) == 0
    check_accessibility(page, "draft PDF offer")

    # --- From the overview --------------------------------------------------------------------
    page.goto(overview)
    button = page.get_by_role("button", name=BUTTON)
    expect(button).to_be_visible()
    expect(page.get_by_role("link", name=BUTTON)).to_have_count(0)
    button.click()
    name, first = _download_draft(page)
    assert name == "UTKAST-IOP-verksamhetsrapport-2022-11--2023-04.pdf" and first.startswith(b"%PDF")
    assert ("POST", f"/reports/{REPORT_ID}/draft-pdf", 302) in requests
    assert _render_jobs(app) == 1
    check_accessibility(page, "draft PDF page")

    # --- From the preview's toolbar: the same content, so the same render ----------------------
    page.goto(f"{overview}/preview")
    toolbar = page.get_by_role("navigation", name="Förhandsvisning")
    toolbar_button = toolbar.get_by_role("button", name=BUTTON)
    expect(toolbar_button).to_be_visible()
    # It still looks like the bar's other link: no button frame, underlined.
    style = toolbar_button.evaluate(
        "b => { const s = getComputedStyle(b); return [s.borderTopStyle, s.textDecorationLine, s.backgroundColor]; }"
    )
    assert style == ["none", "underline", "rgba(0, 0, 0, 0)"], style
    check_accessibility(page, "document preview")
    toolbar_button.click()
    _name, second = _download_draft(page)
    assert second == first
    assert _render_jobs(app) == 1

    # Now that it is made, the draft's address serves it as it is.
    served = page.request.get(live_server + draft_address)
    assert served.status == 200 and served.headers["content-type"] == "application/pdf" and served.body() == first
    assert _render_jobs(app) == 1

    # Every GET of the journey left the render jobs alone; only the two POSTs asked for one.
    posts = [path for method, path, _status in requests if method == "POST"]
    assert posts == ["/login", f"/reports/{REPORT_ID}/draft-pdf", f"/reports/{REPORT_ID}/draft-pdf"], posts
    failures.assert_none()
    console.assert_no_csp_violations()
