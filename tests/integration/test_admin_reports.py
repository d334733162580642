"""Reports and periods for the admin: the list, create from a template, settings, add a section,
reassign a block; refusals for everyone else and for locked reports (issue 6, deliverable 2)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.integration.helpers import block_snapshot, find_block, post
from tests.integration.report_admin_helpers import (
    ADMIN,
    LOCKED_REPORT_ID,
    NON_ADMINS,
    OPEN_REPORT_ID,
    audit_actions,
    block_keys,
    capacities_of,
    fingerprint,
    newest_report_id,
    roll_over,
    set_capacity,
    set_unit_active,
    structure_of,
)
from webapp.extensions import db
from webapp.models import AuditEvent, Block, BlockState, Report, ReportTemplate, Unit, User
from webapp.services import blocks as block_service

NEXT_WINTER = {"period_start": "2023-11-01", "period_end": "2024-04-30", "deadline": "2024-05-31"}


def _template_id(app) -> int:
    with app.app_context():
        template_id = db.session.scalars(select(ReportTemplate.id).where(ReportTemplate.key == "iop-eu-2021")).one()
        db.session.remove()
        return template_id


def _placement(app, report_id: int, chapter_index: int, index: int) -> str:
    with app.app_context():
        chapter = db.session.get(Report, report_id).report_template.chapters[chapter_index]
        value = f"{chapter.id}:{index}"
        db.session.remove()
        return value


def _unit_id(app, key: str) -> int:
    with app.app_context():
        unit_id = db.session.scalars(select(Unit.id).where(Unit.key == key)).one()
        db.session.remove()
        return unit_id


def _barnperspektiv(app, report_id: int = OPEN_REPORT_ID, **overrides) -> dict:
    return {
        "title": "Barnperspektiv",
        "guidance": "Hur har barn som följer med sina föräldrar mötts?",
        "placement": _placement(app, report_id, 0, 1),
        "responsible_unit_id": "0",
        "unit_kinds": ["night"],
        "named_unit_ids": [str(_unit_id(app, "eu-teamet"))],
        **overrides,
    }


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_every_report_with_blocks_by_state_and_capacity_waiting(app, signed_in, count_queries):
    admin = signed_in(ADMIN)
    assert roll_over(admin, 2, date(2023, 11, 1), date(2024, 4, 30), date(2024, 5, 31)).status_code == 302
    with count_queries() as counter:
        response = admin.get("/admin/reports")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for title in (
        "Verksamhetsrapport IOP 2021-11-01 – 2022-04-30",
        "Verksamhetsrapport IOP 2022-11-01 – 2023-04-30",
        "Verksamhetsrapport 2023-11-01 – 2024-04-30",
    ):
        assert title in page
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    newest, open_one, locked = rows
    assert "3 att bekräfta" in newest and "Öppen" in newest  # three night units' carried capacity
    assert "att bekräfta" not in open_one and "att bekräfta" not in locked
    assert "Låst" in locked and "badge-approved" in locked and "badge-draft" not in locked
    assert "badge-submitted" in open_one and "badge-changes_requested" in open_one
    assert counter.count <= 8, counter.statements


# --- create from a template ----------------------------------------------------------------------


def test_admin_creates_a_report_from_the_template(app, signed_in):
    admin = signed_in(ADMIN)
    page = admin.get("/admin/reports/new").get_data(as_text=True)
    assert "Verksamhetsrapport för utsatta EU-medborgare" in page or "Verksamhetsrapport IOP" in page
    response = post(admin, "/admin/reports/new", {"report_template_id": _template_id(app), "title": "", **NEXT_WINTER})
    assert response.status_code == 302, response.get_data(as_text=True)
    new_id = newest_report_id(app)
    with app.app_context():
        report = db.session.get(Report, new_id)
        assert report.title == "Verksamhetsrapport 2023-11-01 – 2024-04-30"
        assert report.previous_report_id is None and report.deadline == date(2024, 5, 31)
        assert report.report_template.snapshot and report.report_template.based_on.key == "iop-eu-2021"
        assert all(not c.carried_over for c in report.capacities)  # from the units' schedules
        db.session.remove()
    assert block_keys(app, new_id) == block_keys(app, OPEN_REPORT_ID)
    assert audit_actions(app, new_id) == ["report.created"]
    settings = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "är skapad" in settings and "Bidrag per avsnitt och verksamhet" in settings


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"period_start": "2022-12-01", "period_end": "2023-05-31"}, "Perioden överlappar rapporten"),
        ({"period_start": "2024-04-30", "period_end": "2024-04-30"}, "Perioden måste sluta efter att den börjar."),
        ({"period_start": "2023-11-01", "period_end": "2026-04-30"}, "En rapportperiod får vara högst två år."),
        ({"deadline": ""}, "Ange ett datum."),
        ({"report_template_id": "snapshot"}, "Välj en av mallarna i listan."),
        ({"report_template_id": "retired"}, "Välj en av mallarna i listan."),
        ({"title": "x" * 301}, "Högst 300 tecken."),
    ],
)
def test_creating_from_a_template_refuses_bad_input_with_nothing_created(app, signed_in, fields, message):
    template_id = _template_id(app)
    with app.app_context():
        snapshot_id = db.session.get(Report, OPEN_REPORT_ID).report_template_id
        retired = ReportTemplate(key="gammal", name="Gammal mall", retired=True)
        db.session.add(retired)
        db.session.commit()
        retired_id = retired.id
        db.session.remove()
    fields = dict(fields)
    fields["report_template_id"] = {"snapshot": snapshot_id, "retired": retired_id}.get(
        fields.get("report_template_id"), template_id
    )
    before = fingerprint(app)
    response = post(signed_in(ADMIN), "/admin/reports/new", {"title": "", **NEXT_WINTER, **fields})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "ingenting har sparats" in page
    assert fingerprint(app) == before


# --- settings ------------------------------------------------------------------------------------


def test_deadline_and_title_change_any_time_while_open(app, signed_in):
    admin = signed_in(ADMIN)
    response = post(
        admin,
        "/admin/reports/2",
        {
            "title": "Verksamhetsrapport IOP 2022–23",
            "period_start": "2022-11-01",
            "period_end": "2023-04-30",
            "deadline": "2023-06-15",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        report = db.session.get(Report, 2)
        assert (report.title, report.deadline) == ("Verksamhetsrapport IOP 2022–23", date(2023, 6, 15))
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.settings_changed")).one()
        assert event.report_id == 2 and event.details["changes"]["deadline"] == ["2023-05-31", "2023-06-15"]
        db.session.remove()
    # The writers see the new deadline.
    assert "15 juni 2023" in signed_in("skribent.crossroads@demo.iop").get("/").get_data(as_text=True)


def test_the_period_cannot_change_once_someone_has_written(app, signed_in):
    before = fingerprint(app)
    page = signed_in(ADMIN).get("/admin/reports/2").get_data(as_text=True)
    assert "Perioden kan inte längre ändras" in page and re.search(r'id="period_start"[^>]*readonly', page)
    response = post(
        signed_in(ADMIN),
        "/admin/reports/2",
        {"title": "x", "period_start": "2022-12-01", "period_end": "2023-05-31", "deadline": "2023-06-30"},
    )
    assert response.status_code == 422
    assert "Perioden kan inte ändras när någon har börjat skriva i rapporten." in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_the_period_of_an_untouched_report_moves_with_its_unconfirmed_capacity(app, signed_in):
    admin = signed_in(ADMIN)
    set_capacity(app, 2, "stadsmissionen-natt", [[50, "2022-11-01", "2023-02-28"]])
    assert roll_over(admin, 2, date(2023, 11, 1), date(2024, 4, 30), date(2024, 5, 31)).status_code == 302
    new_id = newest_report_id(app)
    assert "Perioden kan ändras tills" in admin.get(f"/admin/reports/{new_id}").get_data(as_text=True)
    response = post(
        admin,
        f"/admin/reports/{new_id}",
        {
            "title": "Verksamhetsrapport 2024-11-01 – 2025-04-30",
            "period_start": "2024-11-01",
            "period_end": "2025-04-30",
            "deadline": "2025-05-31",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert capacities_of(app, new_id)["stadsmissionen-natt"][0] == [[50, "2024-11-01", "2025-02-28"]]
    with app.app_context():
        report = db.session.get(Report, new_id)
        assert (report.period_start, report.period_end) == (date(2024, 11, 1), date(2025, 4, 30))
        db.session.remove()


def test_a_locked_reports_settings_are_read_only_and_refused(app, signed_in):
    admin = signed_in(ADMIN)
    page = admin.get("/admin/reports/1").get_data(as_text=True)
    assert "Rapporten är låst" in page and 'name="period_start"' not in page
    assert "Lägg till ett avsnitt" not in page and ">flytta<" not in page
    before = fingerprint(app)
    response = post(
        admin,
        "/admin/reports/1",
        {"title": "Ny", "period_start": "2021-11-01", "period_end": "2022-04-30", "deadline": "2022-06-30"},
    )
    assert response.status_code == 409
    assert fingerprint(app) == before


def test_the_settings_page_shows_the_block_grid(app, signed_in, count_queries):
    admin = signed_in(ADMIN)
    with count_queries() as counter:
        page = admin.get("/admin/reports/2").get_data(as_text=True)
    grid = page.split('class="matrix admin-grid"', 1)[1].split("</table>", 1)[0]
    assert "Gemensam text" in grid and "Crossroads" in grid and "Stadsmissionens nattverksamhet" in grid
    for state in ("state-draft", "state-submitted", "state-approved", "state-changes_requested", 'class="none"'):
        assert state in grid
    # Only drafts nobody has written in can be moved.
    empty_draft = find_block(app, "gem-klagomal", "crossroads")
    assert f"/admin/blocks/{empty_draft}/reassign" in grid
    written = find_block(app, "dag-verksamheter", "crossroads")  # a draft with text
    assert f"/admin/blocks/{written}/reassign" not in grid
    assert counter.count <= 14, counter.statements


# --- add a section -------------------------------------------------------------------------------


def test_adding_a_section_creates_blocks_the_writers_see_at_once(app, signed_in):
    template_before = structure_of(app, LOCKED_REPORT_ID)
    with app.app_context():
        template = db.session.scalars(select(ReportTemplate).where(ReportTemplate.key == "iop-eu-2021")).one()
        template_sections = [s.title for c in template.chapters for s in c.sections]
        db.session.remove()
    response = post(signed_in(ADMIN), "/admin/reports/2/sections/new", _barnperspektiv(app))
    assert response.status_code == 302, response.get_data(as_text=True)

    added = {(unit, joint) for key, unit, joint in block_keys(app, 2) if key == "barnperspektiv"}
    assert added == {
        ("eu-teamet", False),
        ("convictus-natt", False),
        ("stadsmissionen-natt", False),
        ("fa-arsta", False),
    }  # Liljeholmen is closed this period
    chapter_one = [row[3] for row in structure_of(app, 2) if row[0] == "natt"]
    assert chapter_one[1] == "Barnperspektiv"  # placed second in the first chapter
    assert [row[5] for row in structure_of(app, 2) if row[0] == "natt"] == list(range(len(chapter_one)))
    # The template and the other report keep their structure.
    assert structure_of(app, LOCKED_REPORT_ID) == template_before
    with app.app_context():
        template = db.session.scalars(select(ReportTemplate).where(ReportTemplate.key == "iop-eu-2021")).one()
        assert [s.title for c in template.chapters for s in c.sections] == template_sections
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.section_added")).one()
        assert event.report_id == 2 and event.details["title"] == "Barnperspektiv"
        db.session.remove()
    for writer in ("skribent.fa-arsta@demo.iop", "skribent.eu-teamet@demo.iop"):
        assert "Barnperspektiv" in signed_in(writer).get("/").get_data(as_text=True)
    assert "Barnperspektiv" not in signed_in("skribent.crossroads@demo.iop").get("/").get_data(as_text=True)
    assert "Barnperspektiv" in signed_in("ordforande@demo.iop").get("/reports/2").get_data(as_text=True)
    log = signed_in("ordforande@demo.iop").get("/reports/2/activity").get_data(as_text=True)
    assert "lade till ett avsnitt i rapporten" in log


def test_a_joint_section_gets_one_block_for_its_responsible_unit(app, signed_in):
    data = _barnperspektiv(
        app,
        title="Samverkan",
        joint="y",
        responsible_unit_id=str(_unit_id(app, "eu-teamet")),
        unit_kinds=[],
        named_unit_ids=[],
    )
    assert post(signed_in(ADMIN), "/admin/reports/2/sections/new", data).status_code == 302
    assert {(u, j) for k, u, j in block_keys(app, 2) if k == "samverkan"} == {("eu-teamet", True)}


def test_a_deactivated_unit_gets_no_block_in_an_added_section(app, signed_in):
    set_unit_active(app, "convictus-natt", False)
    assert post(signed_in(ADMIN), "/admin/reports/2/sections/new", _barnperspektiv(app)).status_code == 302
    assert "convictus-natt" not in {u for k, u, _ in block_keys(app, 2) if k == "barnperspektiv"}


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": "  "}, "Ge avsnittet en rubrik."),
        ({"unit_kinds": [], "named_unit_ids": []}, "Välj vem som skriver avsnittet"),
        ({"joint": "y"}, "Välj vilken aktiv verksamhet som skriver den gemensamma texten."),
        ({"placement": "999:0"}, "Välj var i rapporten avsnittet ska ligga."),
        ({"placement": "nonsense"}, "Välj var i rapporten avsnittet ska ligga."),
        ({"named_unit_ids": ["9999"]}, "Välj bland de aktiva verksamheterna."),
    ],
)
def test_adding_a_section_refuses_bad_input_with_nothing_saved(app, signed_in, overrides, message):
    data = _barnperspektiv(app, **overrides)
    before = fingerprint(app)
    response = post(signed_in(ADMIN), "/admin/reports/2/sections/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_a_section_nobody_would_write_is_refused(app, signed_in):
    set_unit_active(app, "eu-teamet", False)
    data = _barnperspektiv(app, unit_kinds=["outreach"], named_unit_ids=[])
    before = fingerprint(app)
    response = post(signed_in(ADMIN), "/admin/reports/2/sections/new", data)
    assert response.status_code == 422
    assert "Ingen aktiv verksamhet" in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_a_locked_report_gets_no_new_section(app, signed_in):
    admin = signed_in(ADMIN)
    before = fingerprint(app)
    assert admin.get("/admin/reports/1/sections/new").status_code == 409
    response = post(admin, "/admin/reports/1/sections/new", _barnperspektiv(app, LOCKED_REPORT_ID))
    assert response.status_code == 409
    assert "låst" in response.get_data(as_text=True)
    assert fingerprint(app) == before


# --- reassign a block ----------------------------------------------------------------------------


def test_an_empty_draft_moves_to_another_unit(app, signed_in):
    block_id = find_block(app, "gem-klagomal", "crossroads")
    admin = signed_in(ADMIN)
    page = admin.get(f"/admin/blocks/{block_id}/reassign").get_data(as_text=True)
    assert "Flytta bidraget" in page
    with app.app_context():
        # Units that already write the section are not offered.
        taken = db.session.scalars(
            select(Unit.name)
            .join(Block, Block.unit_id == Unit.id)
            .where(Block.report_id == 2, Block.section_id == db.session.get(Block, block_id).section_id)
        ).all()
        db.session.remove()
    options = re.findall(r"<option[^>]*>([^<]+)</option>", page)
    assert options and not set(options) & set(taken)
    assert "Västberga gård" not in options  # a day unit: it already has a block in this section
    set_unit_active(app, "fa-liljeholmen", True)
    response = post(admin, f"/admin/blocks/{block_id}/reassign", {"unit_id": _unit_id(app, "fa-liljeholmen")})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        block = db.session.get(Block, block_id)
        assert block.unit.key == "fa-liljeholmen" and block.state == BlockState.DRAFT
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "block.reassigned")).one()
        assert event.block_id == block_id and event.details["from_unit"] == "crossroads"
        db.session.remove()
    crossroads = signed_in("skribent.crossroads@demo.iop").get("/").get_data(as_text=True)
    liljeholmen = signed_in("skribent.fa-liljeholmen@demo.iop").get("/").get_data(as_text=True)
    assert f'/blocks/{block_id}"' not in crossroads and f'/blocks/{block_id}"' in liljeholmen


def test_a_block_with_text_or_an_autosaved_draft_stays_with_its_unit(app, signed_in):
    written = find_block(app, "dag-verksamheter", "crossroads")  # demo text, still a draft
    drafted = find_block(app, "gem-klagomal", "crossroads")
    with app.app_context():
        block = db.session.get(Block, drafted)
        author = db.session.scalars(select(User).where(User.email == "skribent.crossroads@demo.iop")).one()
        outcome = block_service.save_block(
            block,
            author,
            "Påbörjad text",
            base_version=block.version,
            autosave=True,
            max_bytes=200_000,
            coalesce_seconds=600,
        )
        assert outcome.kind == "drafted" and block.current_revision_id is None  # only an autosaved draft
        db.session.commit()
        db.session.remove()
    admin = signed_in(ADMIN)
    target = _unit_id(app, "fa-arsta")
    for block_id in (written, drafted):
        before = fingerprint(app)
        assert admin.get(f"/admin/blocks/{block_id}/reassign").status_code == 409
        response = post(admin, f"/admin/blocks/{block_id}/reassign", {"unit_id": target})
        assert response.status_code == 409
        assert "kan inte flyttas" in response.get_data(as_text=True)
        assert fingerprint(app) == before


def test_a_submitted_block_stays_with_its_unit(app, signed_in):
    with app.app_context():
        submitted = db.session.scalars(
            select(Block.id).where(Block.report_id == 2, Block.state == BlockState.SUBMITTED)
        ).first()
        db.session.remove()
    before = fingerprint(app)
    response = post(signed_in(ADMIN), f"/admin/blocks/{submitted}/reassign", {"unit_id": _unit_id(app, "fa-arsta")})
    assert response.status_code == 409
    assert "Bara bidrag som är utkast" in response.get_data(as_text=True)
    assert fingerprint(app) == before


@pytest.mark.parametrize(
    "target, message",
    [
        ("eu-center", "har redan ett bidrag i avsnittet"),
        ("crossroads", "Bidraget hör redan till Crossroads."),
        ("inactive", "Välj en aktiv verksamhet."),
        ("", "Välj en aktiv verksamhet."),
    ],
)
def test_reassigning_to_a_unit_that_cannot_take_it_is_refused(app, signed_in, target, message):
    block_id = find_block(app, "gem-klagomal", "crossroads")
    if target == "inactive":
        set_unit_active(app, "vastberga-gard", False)
        target = "vastberga-gard"
    before = fingerprint(app)
    response = post(
        signed_in(ADMIN), f"/admin/blocks/{block_id}/reassign", {"unit_id": _unit_id(app, target) if target else ""}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_a_block_of_a_locked_report_cannot_move(app, signed_in):
    block_id = find_block(app, "gem-klagomal", "crossroads", report_id=LOCKED_REPORT_ID)
    before = fingerprint(app)
    admin = signed_in(ADMIN)
    assert admin.get(f"/admin/blocks/{block_id}/reassign").status_code == 409
    assert post(admin, f"/admin/blocks/{block_id}/reassign", {"unit_id": _unit_id(app, "fa-arsta")}).status_code == 409
    assert fingerprint(app) == before


# --- only admins ---------------------------------------------------------------------------------


def test_every_endpoint_refuses_everyone_but_admins_with_nothing_changed(app, signed_in):
    empty_draft = find_block(app, "gem-klagomal", "crossroads")
    period = {"title": "", **NEXT_WINTER}
    posts = [
        ("/admin/reports/new", {"report_template_id": _template_id(app), **period}),
        ("/admin/reports/rollover", {"previous_report_id": "2", **period}),
        (
            "/admin/reports/2",
            {"title": "Kapad", "period_start": "2022-11-01", "period_end": "2023-04-30", "deadline": "2023-06-30"},
        ),
        ("/admin/reports/2/sections/new", _barnperspektiv(app)),
        (f"/admin/blocks/{empty_draft}/reassign", {"unit_id": _unit_id(app, "fa-arsta")}),
    ]
    gets = [
        "/admin/reports",
        "/admin/reports/new",
        "/admin/reports/rollover",
        "/admin/reports/2",
        "/admin/reports/1",
        "/admin/reports/2/sections/new",
        f"/admin/blocks/{empty_draft}/reassign",
    ]
    before = fingerprint(app)
    snapshot = block_snapshot(app, empty_draft)
    for email in NON_ADMINS:
        client = signed_in(email)
        for url in gets:
            assert client.get(url).status_code == 403, (email, url)
        for url, data in posts:
            assert post(client, url, data).status_code == 403, (email, url)
    anonymous = app.test_client()
    for url in gets:
        assert anonymous.get(url).status_code in (302, 403), url
    assert fingerprint(app) == before and block_snapshot(app, empty_draft) == snapshot
    assert "/admin/reports" not in signed_in("skribent.crossroads@demo.iop").get("/").get_data(as_text=True)


def test_without_any_report_the_suggestion_is_the_coming_half_year(app_ctx):
    from webapp.services.reports.admin import defaults_after

    defaults = defaults_after(None, today=date(2025, 10, 15))
    assert (defaults.period_start, defaults.period_end, defaults.deadline) == (
        date(2025, 11, 1),
        date(2026, 4, 30),
        date(2026, 5, 31),
    )
    assert defaults.title == "Verksamhetsrapport 2025-11-01 – 2026-04-30"


def test_a_new_period_gives_blocks_to_units_open_in_it(app, signed_in):
    from webapp.models import UnitCapacity

    admin = signed_in(ADMIN)
    assert (
        post(
            admin, "/admin/reports/new", {"report_template_id": _template_id(app), "title": "", **NEXT_WINTER}
        ).status_code
        == 302
    )
    new_id = newest_report_id(app)
    assert "fa-liljeholmen" not in {unit for _, unit, _ in block_keys(app, new_id)}
    with app.app_context():  # Liljeholmen opens again the winter after
        unit = db.session.scalars(select(Unit).where(Unit.key == "fa-liljeholmen")).one()
        unit.capacity.append(UnitCapacity(places=30, from_date=date(2024, 12, 1), until_date=date(2025, 3, 31)))
        db.session.commit()
        db.session.remove()
    response = post(
        admin,
        f"/admin/reports/{new_id}",
        {
            "title": "Verksamhetsrapport 2024-11-01 – 2025-04-30",
            "period_start": "2024-11-01",
            "period_end": "2025-04-30",
            "deadline": "2025-05-31",
        },
    )
    assert response.status_code == 302
    liljeholmen = {key for key, unit, _ in block_keys(app, new_id) if unit == "fa-liljeholmen"}
    assert {"natt-belaggning", "natt-platser", "gem-klagomal"} <= liljeholmen
    assert audit_actions(app, new_id) == ["report.created", "report.settings_changed"]
