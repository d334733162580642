"""Roll-over: the next period's report from the previous one (issue 6, deliverable 2).

The new report gets a copy of the previous report's structure and its assignments (active
units only), every night unit's capacity carried over and moved forward ("att bekräfta"),
a link to the previous report, and nothing of its texts: the block page shows last
period's text beside the editor instead.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from tests.integration.helpers import find_block, post
from tests.integration.report_admin_helpers import (
    ADMIN,
    NON_ADMINS,
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
from webapp.models import Block, BlockDraft, BlockState, Report, ReportTemplate, Revision, TemplateSection, Unit

SUMMER = (date(2022, 5, 1), date(2022, 10, 31), date(2022, 11, 30))  # after report 1, before report 2
NEXT_WINTER = (date(2023, 11, 1), date(2024, 4, 30), date(2024, 5, 31))  # a year after report 2


def expected_blocks(app, report_id: int, start: date, end: date) -> set[tuple[str, str, bool]]:
    """What the previous report's structure assigns in the new period, worked out independently."""
    with app.app_context():
        report = db.session.get(Report, report_id)
        units = list(db.session.scalars(select(Unit)))

        def open_during(unit: Unit) -> bool:
            return unit.active and (
                not unit.capacity
                or any(
                    (c.from_date is None or c.from_date <= end) and (c.until_date is None or c.until_date >= start)
                    for c in unit.capacity
                )
            )

        expected = set()
        for chapter in report.report_template.chapters:
            for section in chapter.sections:
                if section.joint and section.responsible_unit.active:
                    expected.add((section.key, section.responsible_unit.key, True))
                named = {u.id for u in section.named_units}
                for unit in units:
                    if (unit.kind in section.unit_kinds or unit.id in named) and open_during(unit):
                        expected.add((section.key, unit.key, False))
        db.session.remove()
        return expected


def test_rolling_over_the_2021_22_report_creates_every_block_and_copies_no_text(app, signed_in):
    # Dated capacity in the old report shows how it moves: half a year on, month ends kept.
    set_capacity(app, 1, "stadsmissionen-natt", [[50, None, "2022-02-28"], [60, "2022-03-01", None]])
    response = roll_over(signed_in(ADMIN), 1, *SUMMER)
    assert response.status_code == 302, response.get_data(as_text=True)
    new_id = newest_report_id(app)
    assert response.headers["Location"].endswith(f"/admin/reports/{new_id}")

    blocks = block_keys(app, new_id)
    assert blocks == expected_blocks(app, 1, SUMMER[0], SUMMER[1])
    assert blocks == block_keys(app, 2)  # the demo's own next report assigns the same blocks
    assert ("dag-eu-teamet", "eu-teamet", False) in blocks
    assert ("natt-platser", "ng-inskrivning", True) in blocks  # the joint text and its responsible unit
    assert not any(unit == "fa-liljeholmen" for _, unit, _ in blocks)  # closed after April 2022

    with app.app_context():
        report = db.session.get(Report, new_id)
        assert report.previous_report_id == 1 and report.title == "Verksamhetsrapport 2022-05-01 – 2022-10-31"
        assert (report.period_start, report.period_end, report.deadline) == SUMMER
        assert not report.is_locked
        new_blocks = db.session.scalars(select(Block).where(Block.report_id == new_id)).all()
        assert {b.state for b in new_blocks} == {BlockState.DRAFT}
        assert all(b.current_revision_id is None and b.nothing_to_report is None for b in new_blocks)
        ids = [b.id for b in new_blocks]
        assert db.session.scalar(select(func.count()).select_from(Revision).where(Revision.block_id.in_(ids))) == 0
        assert db.session.scalar(select(func.count()).select_from(BlockDraft).where(BlockDraft.block_id.in_(ids))) == 0
        # The report owns a copy of the previous report's structure, not the same rows.
        assert report.report_template_id != db.session.get(Report, 1).report_template_id
        assert report.report_template.snapshot
        db.session.remove()
    assert [row[:3] for row in structure_of(app, new_id)] == [row[:3] for row in structure_of(app, 1)]

    capacities = capacities_of(app, new_id)
    assert set(capacities) == {"convictus-natt", "stadsmissionen-natt", "fa-arsta"}
    assert capacities["stadsmissionen-natt"] == ([[50, None, "2022-08-31"], [60, "2022-09-01", None]], True, True, None)
    assert capacities["convictus-natt"] == ([[20, None, None]], True, True, None)
    assert "report.created" in audit_actions(app, new_id)


def test_rolling_over_a_year_moves_capacity_a_year_and_handles_february(app, signed_in):
    set_capacity(
        app,
        2,
        "stadsmissionen-natt",
        [[50, "2022-11-01", "2023-02-28"], [60, "2023-03-01", "2023-04-30"], [5, "2022-12-24", "2022-12-26"]],
    )
    assert roll_over(signed_in(ADMIN), 2, *NEXT_WINTER).status_code == 302
    new_id = newest_report_id(app)
    entries, carried, waiting, confirmed_by = capacities_of(app, new_id)["stadsmissionen-natt"]
    assert entries == [
        [50, "2023-11-01", "2024-02-29"],
        [60, "2024-03-01", "2024-04-30"],
        [5, "2023-12-24", "2023-12-26"],
    ]
    assert carried and waiting and confirmed_by is None
    assert block_keys(app, new_id) == expected_blocks(app, 2, NEXT_WINTER[0], NEXT_WINTER[1])


def test_the_block_page_shows_last_periods_text_beside_an_empty_editor(app, signed_in):
    assert roll_over(signed_in(ADMIN), 1, *SUMMER).status_code == 302
    new_id = newest_report_id(app)
    block_id = find_block(app, "dag-besok", "crossroads", report_id=new_id)
    with app.app_context():
        previous = db.session.get(Block, find_block(app, "dag-besok", "crossroads", report_id=1))
        previous_html = previous.current_revision.html
        db.session.remove()
    page = signed_in("skribent.crossroads@demo.iop").get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Samma avsnitt förra perioden" in page
    assert previous_html in page.split('class="previous-period"', 1)[1]
    assert re.search(r'<textarea id="source"[^>]*></textarea>', page), "the editor must start empty"


def test_the_structure_includes_sections_added_to_the_previous_report(app, signed_in):
    admin = signed_in(ADMIN)
    with app.app_context():
        chapter = db.session.get(Report, 2).report_template.chapters[-1]
        placement = f"{chapter.id}:{len(chapter.sections)}"
        db.session.remove()
    response = post(
        admin,
        "/admin/reports/2/sections/new",
        {
            "title": "Hot och våld",
            "guidance": "Beskriv händelser.",
            "placement": placement,
            "responsible_unit_id": "0",
            "unit_kinds": ["day"],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert roll_over(admin, 2, *NEXT_WINTER).status_code == 302
    new_id = newest_report_id(app)
    assert structure_of(app, new_id) == structure_of(app, 2)
    assert ("hot-och-vald", "crossroads", False) in block_keys(app, new_id)
    assert "Hot och våld" not in {row[3] for row in structure_of(app, 1)}


def test_a_deactivated_unit_gets_no_new_blocks_and_no_carried_capacity(app, signed_in):
    set_unit_active(app, "crossroads", False)
    set_unit_active(app, "fa-arsta", False)
    assert roll_over(signed_in(ADMIN), 2, *NEXT_WINTER).status_code == 302
    new_id = newest_report_id(app)
    units = {unit for _, unit, _ in block_keys(app, new_id)}
    assert "crossroads" not in units and "fa-arsta" not in units
    assert "eu-center" in units and "stadsmissionen-natt" in units
    assert "fa-arsta" not in capacities_of(app, new_id)
    assert block_keys(app, new_id) == expected_blocks(app, 2, NEXT_WINTER[0], NEXT_WINTER[1])


def test_editing_the_template_afterwards_leaves_both_reports_unchanged(app, signed_in):
    assert roll_over(signed_in(ADMIN), 1, *SUMMER).status_code == 302
    new_id = newest_report_id(app)
    before_old, before_new = structure_of(app, 1), structure_of(app, new_id)
    with app.app_context():
        template = db.session.scalars(
            select(ReportTemplate).where(ReportTemplate.key == "iop-eu-2021", ReportTemplate.snapshot.is_(False))
        ).one()
        chapter = template.chapters[0]
        chapter.title = "Nattverksamheter (ny rubrik)"
        first = chapter.sections[0]
        first.title, first.guidance, first.unit_kinds = "Omdöpt avsnitt", "Ny vägledning", ["day"]
        chapter.sections.append(
            TemplateSection(key="barnperspektiv", position=99, title="Barnperspektiv", unit_kinds=["night"])
        )
        template.version += 1
        db.session.commit()
        db.session.remove()
    assert structure_of(app, 1) == before_old
    assert structure_of(app, new_id) == before_new
    assert "Barnperspektiv" not in {row[3] for row in before_new}
    with app.app_context():
        assert db.session.get(Report, new_id).report_template.chapters[0].title == "Nattverksamheter"
        db.session.remove()


def test_the_rollover_form_suggests_the_next_period_in_the_reports_rhythm(app, signed_in):
    page = signed_in(ADMIN).get("/admin/reports/rollover").get_data(as_text=True)  # from the latest: report 2
    assert 'value="2023-11-01"' in page and 'value="2024-04-30"' in page and 'value="2024-05-31"' in page
    assert 'value="Verksamhetsrapport 2023-11-01 – 2024-04-30"' in page
    page = signed_in(ADMIN).get("/admin/reports/rollover?from=1").get_data(as_text=True)
    assert 'value="2022-05-01"' in page and 'value="2022-10-31"' in page


def test_an_overlapping_period_is_refused_with_nothing_created(app, signed_in):
    before = fingerprint(app)
    response = roll_over(signed_in(ADMIN), 1, date(2022, 11, 1), date(2023, 4, 30), date(2023, 5, 31))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Perioden överlappar rapporten" in page and "Verksamhetsrapport IOP 2022-11-01 – 2023-04-30" in page
    assert 'aria-invalid="true"' in page
    assert fingerprint(app) == before


def test_a_period_before_the_previous_report_ends_is_refused(app, signed_in):
    before = fingerprint(app)
    response = roll_over(signed_in(ADMIN), 2, date(2021, 5, 1), date(2021, 10, 31), date(2021, 11, 30))
    assert response.status_code == 422
    assert "måste börja efter att den föregående slutat" in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_bad_dates_are_refused_with_inline_errors_and_nothing_created(app, signed_in):
    admin = signed_in(ADMIN)
    before = fingerprint(app)
    cases = [
        (
            {"period_start": "2024-04-30", "period_end": "2023-11-01", "deadline": "2024-05-31"},
            "Perioden måste sluta efter att den börjar.",
        ),
        (
            {"period_start": "2023-11-01", "period_end": "2024-04-30", "deadline": "2023-01-01"},
            "Deadline kan inte ligga före periodens början.",
        ),
        (
            {"period_start": "2023-11-01", "period_end": "2024-04-30", "deadline": "2026-01-01"},
            "Deadline kan inte ligga mer än ett år efter periodens slut.",
        ),
        (
            {"period_start": "första november", "period_end": "2024-04-30", "deadline": "2024-05-31"},
            "Ange ett datum som ÅÅÅÅ-MM-DD.",
        ),
        ({"period_start": "2023-11-01", "period_end": "2024-04-30", "deadline": ""}, "Ange ett datum."),
        (
            {
                "period_start": "2023-11-01",
                "period_end": "2024-04-30",
                "deadline": "2024-05-31",
                "previous_report_id": "999",
            },
            "Välj vilken rapport som ska rullas över.",
        ),
    ]
    for fields, message in cases:
        response = post(admin, "/admin/reports/rollover", {"previous_report_id": "2", "title": "", **fields})
        assert response.status_code == 422, fields
        assert message in response.get_data(as_text=True), (fields, message)
    assert fingerprint(app) == before


def test_only_admins_roll_over(app, signed_in):
    before = fingerprint(app)
    for email in NON_ADMINS:
        client = signed_in(email)
        assert client.get("/admin/reports/rollover").status_code == 403
        assert roll_over(client, 2, *NEXT_WINTER).status_code == 403
    assert fingerprint(app) == before
