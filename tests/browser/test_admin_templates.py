"""The admin edits the report template in a real browser: adds "Barnperspektiv" for EU-teamet and
every night unit, moves it up, and rewrites a guidance text — with axe checks on every page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import check_accessibility, sign_in
from webapp.extensions import db
from webapp.models import ReportTemplate, TemplateSection

ADMIN = "admin@demo.iop"
TEMPLATE_NAME = "Verksamhetsrapport IOP för utsatta EU-medborgare"
CHAPTER = "Gemensamt för samtliga verksamheter"
GUIDANCE = "Beskriv hur ni har mött **barn** i verksamheten och vem ni kontaktade."


def _sections_of_last_chapter(app) -> list[tuple[str, str, list[str], list[str]]]:
    with app.app_context():
        template = db.session.scalars(select(ReportTemplate).where(ReportTemplate.key == "iop-eu-2021")).one()
        sections = [
            (s.key, s.guidance, list(s.unit_kinds), sorted(u.key for u in s.named_units))
            for s in template.chapters[-1].sections
        ]
        db.session.remove()
        return sections


def test_admin_adds_moves_and_guides_a_section(app, demo, page: Page, live_server, console):
    sign_in(page, live_server, ADMIN)

    page.get_by_role("link", name="Administration").first.click()
    page.get_by_role("link", name="Rapportmallar").click()
    expect(page.get_by_role("heading", level=1, name="Rapportmallar")).to_be_visible()
    check_accessibility(page, "template list")

    page.get_by_role("link", name=TEMPLATE_NAME, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=TEMPLATE_NAME)).to_be_visible()
    check_accessibility(page, "template editor")

    # --- Add the section: no joint text; every night unit and EU-teamet write their own part. ----
    chapter = page.locator("li.tree-chapter").filter(has=page.get_by_role("heading", name=re.compile(CHAPTER)))
    chapter.get_by_role("link", name=re.compile("Lägg till ett avsnitt i kapitlet")).click()
    expect(page.get_by_role("heading", level=1, name=f"Nytt avsnitt i {CHAPTER}")).to_be_visible()
    check_accessibility(page, "new section")

    # Saving with nobody assigned is refused, with the reason beside the form.
    page.get_by_label("Avsnittets rubrik").fill("Barnperspektiv")
    page.get_by_role("button", name="Lägg till avsnittet").click()
    expect(page.get_by_text("Välj minst ett sätt att skriva avsnittet")).to_be_visible()
    expect(page.get_by_label("Avsnittets rubrik")).to_have_value("Barnperspektiv")
    check_accessibility(page, "refused section form")

    page.get_by_label("Nattverksamheter").check()
    page.get_by_label("EU-teamet (Stockholms stad)").check()
    page.get_by_role("button", name="Lägg till avsnittet").click()
    expect(page.locator("main .alert-success")).to_have_text("Avsnittet Barnperspektiv lades till.")
    titles = chapter.locator("li.tree-section .tree-title a")
    expect(titles.last).to_have_text("3.4 Barnperspektiv")
    assert _sections_of_last_chapter(app)[-1] == ("barnperspektiv", "", ["night"], ["eu-teamet"])
    check_accessibility(page, "editor after adding")

    # --- Move it up, above the complaints section. ------------------------------------------------
    new_section = chapter.locator("li.tree-section").filter(has_text="Barnperspektiv")
    new_section.get_by_role("button", name=re.compile("^Upp")).click()
    expect(page.locator("main .alert-success")).to_have_text("Avsnittet flyttades.")
    expect(titles).to_have_text(
        [
            "3.1 Akuta fall där socialjouren eller EU-teamet kontaktats",
            "3.2 Resultat från brukarundersökningar",
            "3.3 Barnperspektiv",
            "3.4 Inkomna klagomål och synpunkter",
        ]
    )

    # --- Write its guidance, preview it, save it. -------------------------------------------------
    chapter.get_by_role("link", name="3.3 Barnperspektiv").click()
    expect(page.get_by_role("heading", level=1, name="Barnperspektiv")).to_be_visible()
    check_accessibility(page, "section editor")
    page.get_by_label("Vägledning (Markdown)").fill(GUIDANCE)
    page.get_by_role("button", name="Förhandsgranska vägledningen").click()
    expect(page.locator("#guidance-preview strong")).to_have_text("barn")
    page.get_by_role("button", name="Spara avsnittet").click()
    expect(page.locator("main .alert-success")).to_have_text("Avsnittet sparades.")
    expect(page.locator("#guidance-preview .rendered strong")).to_have_text("barn")
    check_accessibility(page, "section editor after saving")

    sections = _sections_of_last_chapter(app)
    assert [s[0] for s in sections] == ["gem-akuta", "gem-brukarundersokningar", "barnperspektiv", "gem-klagomal"]
    assert sections[2][1] == GUIDANCE
    with app.app_context():
        assert db.session.scalar(select(ReportTemplate.version).where(ReportTemplate.key == "iop-eu-2021")) == 4
        assert db.session.scalar(select(TemplateSection.id).where(TemplateSection.key == "barnperspektiv"))
        db.session.remove()
    console.assert_no_csp_violations()
