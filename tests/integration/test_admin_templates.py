"""Report template administration: the list, the tree editor, tables, versioning, JSON export/import, guards."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from tests.conftest import csrf_token
from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models import AuditEvent, Block, Report, ReportTemplate, TemplateChapter, TemplateSection, Unit
from webapp.services.reports import create_report

ADMIN = "admin@demo.iop"
DEMO_KEY = "iop-eu-2021"


# --- helpers ---------------------------------------------------------------------------------------


def _template_id(app: Flask, key: str = DEMO_KEY) -> int:
    with app.app_context():
        template_id = db.session.scalar(select(ReportTemplate.id).where(ReportTemplate.key == key))
        db.session.remove()
        return template_id


def _section_id(app: Flask, key: str, template_key: str = DEMO_KEY) -> int:
    with app.app_context():
        section_id = db.session.scalar(
            select(TemplateSection.id)
            .join(TemplateSection.chapter)
            .join(TemplateChapter.report_template)
            .where(ReportTemplate.key == template_key, TemplateSection.key == key)
        )
        db.session.remove()
        return section_id


def _chapter_id(app: Flask, key: str, template_key: str = DEMO_KEY) -> int:
    with app.app_context():
        chapter_id = db.session.scalar(
            select(TemplateChapter.id)
            .join(TemplateChapter.report_template)
            .where(ReportTemplate.key == template_key, TemplateChapter.key == key)
        )
        db.session.remove()
        return chapter_id


def _unit_id(app: Flask, key: str) -> int:
    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.key == key))
        db.session.remove()
        return unit_id


def _structure(template: ReportTemplate) -> list:
    return [
        (
            chapter.key,
            chapter.position,
            chapter.title,
            chapter.guidance,
            [
                (
                    s.key,
                    s.position,
                    s.title,
                    s.guidance,
                    s.joint,
                    s.responsible_unit_id,
                    sorted(s.unit_kinds),
                    sorted(u.key for u in s.named_units),
                    s.table_specs,
                )
                for s in chapter.sections
            ],
        )
        for chapter in template.chapters
    ]


def _template_tree(app: Flask, template_id: int) -> list:
    with app.app_context():
        tree = _structure(db.session.get(ReportTemplate, template_id))
        db.session.remove()
        return tree


def _report_structure(app: Flask, report_id: int) -> list:
    with app.app_context():
        report = db.session.get(Report, report_id)
        tree = (
            report.report_template_id,
            _structure(report.report_template),
            sorted(
                (b.section_id, b.unit_id, b.joint)
                for b in db.session.scalars(select(Block).where(Block.report_id == report_id))
            ),
        )
        db.session.remove()
        return tree


def _version(app: Flask, template_id: int) -> int:
    with app.app_context():
        version = db.session.get(ReportTemplate, template_id).version
        db.session.remove()
        return version


def _everything(app: Flask) -> tuple:
    """What a refused request must leave untouched: every template, its tree, and the log."""
    with app.app_context():
        templates = [
            (t.id, t.key, t.name, t.description, t.version, t.updated_at, t.retired, t.snapshot, _structure(t))
            for t in db.session.scalars(select(ReportTemplate).order_by(ReportTemplate.id))
        ]
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        db.session.remove()
        return templates, events


def _actions(app: Flask) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = [
            (e.action, e.details)
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("template.%")).order_by(AuditEvent.id)
            )
        ]
        db.session.remove()
        return rows


def _section_data(app: Flask, section_id: int, **changes) -> dict:
    """The section form as the page would post it, with changes."""
    with app.app_context():
        s = db.session.get(TemplateSection, section_id)
        data = {
            "title": s.title,
            "guidance": s.guidance,
            "responsible_unit": s.responsible_unit_id or 0,
            "unit_kinds": list(s.unit_kinds),
            "named_units": [u.id for u in s.named_units],
        }
        if s.joint:
            data["joint"] = "y"
        db.session.remove()
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def admin(signed_in) -> FlaskClient:
    return signed_in(ADMIN)


@pytest.fixture
def template_id(app, demo) -> int:
    return _template_id(app)


def _export(client: FlaskClient, template_id: int):
    response = client.get(f"/admin/templates/{template_id}/export")
    assert response.status_code == 200
    return response


def _import(client: FlaskClient, content: bytes, key: str = "", filename: str = "mall.json"):
    return post(
        client,
        "/admin/templates/import",
        {"import-file": (io.BytesIO(content), filename), "import-key": key},
        content_type="multipart/form-data",
    )


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_editable_templates_with_version_and_how_many_reports_came_from_them(app, admin, template_id):
    html = admin.get("/admin/templates").get_data(as_text=True)
    assert "Verksamhetsrapport IOP för utsatta EU-medborgare" in html
    assert DEMO_KEY in html
    assert f'href="/admin/templates/{template_id}"' in html
    row = html[html.index(DEMO_KEY) :]
    assert "<td>1</td>" in row[:400]  # version 1
    assert "<td>2</td>" in row[:600]  # the two demo reports were made from it
    assert ".r" not in html.split("<tbody>")[1].split("</tbody>")[0]  # no snapshot is listed


def test_the_admin_index_links_to_the_template_list(admin, demo):
    assert 'href="/admin/templates"' in admin.get("/admin/").get_data(as_text=True)


def test_create_an_empty_template_with_a_key_from_its_name(app, admin, demo):
    response = post(admin, "/admin/templates", {"name": "Vårens mall", "key": "", "description": "Ny."})
    assert response.status_code == 302
    new_id = _template_id(app, "varens-mall")
    assert response.headers["Location"].endswith(f"/admin/templates/{new_id}")
    assert _template_tree(app, new_id) == []
    assert _actions(app)[-1][0] == "template.created"
    page = admin.get(f"/admin/templates/{new_id}").get_data(as_text=True)
    assert "Mallen har inga kapitel ännu." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "key": "x"}, "Ge mallen ett namn."),
        ({"name": "Mall", "key": "Stora Bokstäver"}, "Bara små bokstäver a–z, siffror och bindestreck."),
        ({"name": "Mall", "key": DEMO_KEY}, f"Det finns redan en mall med nyckeln &#39;{DEMO_KEY}&#39;"),
    ],
)
def test_an_invalid_new_template_is_refused_with_422_and_nothing_saved(app, admin, demo, data, message):
    before = _everything(app)
    response = post(admin, "/admin/templates", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _everything(app) == before


def test_copy_a_template_under_a_new_key(app, admin, template_id):
    original = _template_tree(app, template_id)
    response = post(admin, f"/admin/templates/{template_id}/copy", {"copy-name": "Mall 2023", "copy-key": "mall-2023"})
    assert response.status_code == 302
    copy_id = _template_id(app, "mall-2023")
    assert copy_id != template_id
    assert [c[:4] for c in _template_tree(app, copy_id)] == [c[:4] for c in original]
    assert _template_tree(app, template_id) == original
    assert _version(app, template_id) == 1
    action, details = _actions(app)[-1]
    assert action == "template.copied" and details["source_key"] == DEMO_KEY


def test_a_copy_needs_a_free_key(app, admin, template_id):
    before = _everything(app)
    response = post(admin, f"/admin/templates/{template_id}/copy", {"copy-name": "Kopia", "copy-key": DEMO_KEY})
    assert response.status_code == 422
    assert "Det finns redan en mall med nyckeln" in response.get_data(as_text=True)
    assert _everything(app) == before


def test_retire_and_bring_back_a_template(app, admin, template_id):
    assert post(admin, f"/admin/templates/{template_id}/retire", {"retired": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(ReportTemplate, template_id).retired
        db.session.remove()
    assert "Pensionerad" in admin.get("/admin/templates").get_data(as_text=True)
    assert post(admin, f"/admin/templates/{template_id}/retire", {"retired": "0"}).status_code == 302
    with app.app_context():
        assert not db.session.get(ReportTemplate, template_id).retired
        db.session.remove()
    assert [a for a, _ in _actions(app)] == ["template.retired", "template.unretired"]


def test_rename_the_template_bumps_its_version(app, admin, template_id):
    response = post(admin, f"/admin/templates/{template_id}", {"name": "Ny mallrubrik", "description": "Text."})
    assert response.status_code == 302
    assert _version(app, template_id) == 2
    assert _actions(app)[-1] == (
        "template.updated",
        {
            "template_id": template_id,
            "template_key": DEMO_KEY,
            "version": 2,
            "name": ["Verksamhetsrapport IOP för utsatta EU-medborgare", "Ny mallrubrik"],
            "description_changed": True,
        },
    )


# --- versioning: a report keeps its structure ----------------------------------------------------


def test_editing_a_template_never_alters_a_report_made_from_it(app, admin, template_id):
    with app.app_context():
        template = db.session.get(ReportTemplate, template_id)
        report = create_report(
            template,
            title="Rapport 2023–24",
            period_start=date(2023, 11, 1),
            period_end=date(2024, 4, 30),
            deadline=None,
            created_by=None,
        )
        db.session.commit()
        new_report_id = report.id
        db.session.remove()
    reports_before = {report_id: _report_structure(app, report_id) for report_id in (1, 2, new_report_id)}
    version_before = _version(app, template_id)

    section_id = _section_id(app, "natt-belaggning")
    renamed = post(
        admin,
        f"/admin/templates/{template_id}/sections/{section_id}",
        _section_data(app, section_id, title="Beläggning per månad och kön"),
    )
    assert renamed.status_code == 302
    guidance = post(
        admin,
        f"/admin/templates/{template_id}/sections/{section_id}",
        _section_data(app, section_id, guidance="Ny vägledning om **beläggning**."),
    )
    assert guidance.status_code == 302
    added = post(
        admin,
        f"/admin/templates/{template_id}/chapters/{_chapter_id(app, 'natt')}/sections",
        {
            "title": "Barnperspektiv",
            "guidance": "",
            "unit_kinds": ["night"],
            "named_units": [_unit_id(app, "eu-teamet")],
            "responsible_unit": 0,
        },
    )
    assert added.status_code == 302

    assert _version(app, template_id) == version_before + 3
    tree = _template_tree(app, template_id)
    night = tree[0][4]
    assert night[1][2] == "Beläggning per månad och kön"
    assert night[1][3] == "Ny vägledning om **beläggning**."
    assert night[-1][:3] == ("barnperspektiv", 7, "Barnperspektiv")
    assert night[-1][6:8] == (["night"], ["eu-teamet"])
    for report_id, structure in reports_before.items():
        assert _report_structure(app, report_id) == structure, report_id
    actions = [a for a, _ in _actions(app)]
    assert actions == ["template.section_updated", "template.section_updated", "template.section_added"]


def test_every_saved_edit_sets_updated_at(app, admin, template_id):
    with app.app_context():
        template = db.session.get(ReportTemplate, template_id)
        before = template.updated_at
        db.session.remove()
    post(admin, f"/admin/templates/{template_id}/chapters", {"new-chapter-title": "Bilagor"})
    with app.app_context():
        assert db.session.get(ReportTemplate, template_id).updated_at > before
        db.session.remove()


def test_a_snapshot_owned_by_a_report_cannot_be_opened_or_edited(app, admin, demo):
    with app.app_context():
        snapshot = db.session.get(Report, 2).report_template
        snapshot_id = snapshot.id
        section_id = snapshot.chapters[0].sections[0].id
        chapter_id = snapshot.chapters[0].id
        db.session.remove()
    before = _everything(app)
    assert admin.get(f"/admin/templates/{snapshot_id}").status_code == 404
    assert admin.get(f"/admin/templates/{snapshot_id}/export").status_code == 404
    assert admin.get(f"/admin/templates/{snapshot_id}/sections/{section_id}").status_code == 404
    assert post(admin, f"/admin/templates/{snapshot_id}", {"name": "X"}).status_code == 404
    assert (
        post(
            admin,
            f"/admin/templates/{snapshot_id}/chapters/{chapter_id}/sections",
            {"title": "X", "unit_kinds": ["night"]},
        ).status_code
        == 404
    )
    assert post(admin, f"/admin/templates/{snapshot_id}/sections/{section_id}/remove").status_code == 404
    assert _everything(app) == before


def test_a_section_of_another_template_is_not_found(app, admin, template_id):
    post(admin, "/admin/templates", {"name": "Annan mall", "key": "annan"})
    other_id = _template_id(app, "annan")
    section_id = _section_id(app, "natt-platser")
    assert admin.get(f"/admin/templates/{other_id}/sections/{section_id}").status_code == 404


# --- chapters ----------------------------------------------------------------------------------


def test_add_rename_move_and_remove_a_chapter(app, admin, template_id):
    assert (
        post(
            admin,
            f"/admin/templates/{template_id}/chapters",
            {"new-chapter-title": "Övrigt och bilagor", "new-chapter-guidance": "Allt annat."},
        ).status_code
        == 302
    )
    chapter_id = _chapter_id(app, "ovrigt-och-bilagor")
    assert [c[0] for c in _template_tree(app, template_id)] == ["natt", "dag", "gemensamt", "ovrigt-och-bilagor"]

    assert (
        post(
            admin,
            f"/admin/templates/{template_id}/chapters/{chapter_id}",
            {f"chapter-{chapter_id}-title": "Bilagor", f"chapter-{chapter_id}-guidance": ""},
        ).status_code
        == 302
    )
    assert _template_tree(app, template_id)[3][:4] == ("ovrigt-och-bilagor", 3, "Bilagor", "")

    moved = post(admin, f"/admin/templates/{template_id}/chapters/{chapter_id}/move", {"direction": "up"})
    assert moved.status_code == 302
    assert [c[0] for c in _template_tree(app, template_id)] == ["natt", "dag", "ovrigt-och-bilagor", "gemensamt"]
    assert [c[1] for c in _template_tree(app, template_id)] == [0, 1, 2, 3]

    assert post(admin, f"/admin/templates/{template_id}/chapters/{chapter_id}/remove").status_code == 302
    assert [c[0] for c in _template_tree(app, template_id)] == ["natt", "dag", "gemensamt"]
    assert [c[1] for c in _template_tree(app, template_id)] == [0, 1, 2]
    assert _version(app, template_id) == 5
    assert [a for a, _ in _actions(app)] == [
        "template.chapter_added",
        "template.chapter_updated",
        "template.chapter_moved",
        "template.chapter_removed",
    ]


def test_moving_the_first_chapter_up_changes_nothing(app, admin, template_id):
    before = _everything(app)
    response = post(
        admin, f"/admin/templates/{template_id}/chapters/{_chapter_id(app, 'natt')}/move", {"direction": "up"}
    )
    assert response.status_code == 302
    assert _everything(app) == before


def test_a_chapter_with_sections_is_not_removed(app, admin, template_id):
    before = _everything(app)
    response = post(admin, f"/admin/templates/{template_id}/chapters/{_chapter_id(app, 'gemensamt')}/remove")
    assert response.status_code == 409
    assert "Kapitlet har avsnitt" in response.get_data(as_text=True)
    assert _everything(app) == before


def test_a_chapter_without_a_title_is_refused(app, admin, template_id):
    before = _everything(app)
    response = post(admin, f"/admin/templates/{template_id}/chapters", {"new-chapter-title": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ge kapitlet en rubrik." in html
    assert 'id="new-chapter" open' in html
    assert _everything(app) == before


def test_renaming_a_chapter_to_nothing_is_refused_next_to_that_chapter(app, admin, template_id):
    chapter_id = _chapter_id(app, "dag")
    before = _everything(app)
    response = post(
        admin,
        f"/admin/templates/{template_id}/chapters/{chapter_id}",
        {f"chapter-{chapter_id}-title": "", f"chapter-{chapter_id}-guidance": "x"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="chapter-{chapter_id}-edit" open' in html
    assert f'id="chapter-{chapter_id}-title-errors"' in html
    assert _everything(app) == before


# --- sections ----------------------------------------------------------------------------------


def test_add_a_section_assigned_to_a_unit_and_a_kind(app, admin, template_id):
    chapter_id = _chapter_id(app, "dag")
    response = post(
        admin,
        f"/admin/templates/{template_id}/chapters/{chapter_id}/sections",
        {
            "title": "Barnperspektiv",
            "guidance": "Beskriv *barnens* situation.",
            "unit_kinds": ["night"],
            "named_units": [_unit_id(app, "eu-teamet")],
            "responsible_unit": 0,
        },
    )
    section_id = _section_id(app, "barnperspektiv")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/templates/{template_id}#section-{section_id}")
    section = _template_tree(app, template_id)[1][4][-1]
    assert section == (
        "barnperspektiv",
        7,
        "Barnperspektiv",
        "Beskriv *barnens* situation.",
        False,
        None,
        ["night"],
        ["eu-teamet"],
        [],
    )
    action, details = _actions(app)[-1]
    assert action == "template.section_added"
    assert details["contribution"] == {
        "joint": False,
        "responsible_unit": None,
        "unit_kinds": ["night"],
        "units": ["eu-teamet"],
    }
    assert "Barnperspektiv" in admin.get(f"/admin/templates/{template_id}").get_data(as_text=True)


def test_a_joint_section_with_a_responsible_unit(app, admin, template_id):
    chapter_id = _chapter_id(app, "gemensamt")
    responsible = _unit_id(app, "eu-teamet")
    post(
        admin,
        f"/admin/templates/{template_id}/chapters/{chapter_id}/sections",
        {"title": "Samverkan", "joint": "y", "responsible_unit": responsible},
    )
    section = _template_tree(app, template_id)[2][4][-1]
    assert section[4:8] == (True, responsible, [], [])


def test_section_keys_stay_unique_within_the_template(app, admin, template_id):
    for chapter_key in ("natt", "dag"):
        post(
            admin,
            f"/admin/templates/{template_id}/chapters/{_chapter_id(app, chapter_key)}/sections",
            {"title": "Barnperspektiv", "unit_kinds": ["day"], "responsible_unit": 0},
        )
    post(
        admin,
        f"/admin/templates/{template_id}/chapters/{_chapter_id(app, 'dag')}/sections",
        {"title": "De vanligaste nationaliteterna", "unit_kinds": ["day"], "responsible_unit": 0},
    )
    keys = [s[0] for c in _template_tree(app, template_id) for s in c[4]]
    assert keys.count("barnperspektiv") == 1 and "barnperspektiv-2" in keys
    assert "de-vanligaste-nationaliteterna" in keys
    assert len(keys) == len(set(keys))


def test_renaming_a_section_keeps_its_key(app, admin, template_id):
    section_id = _section_id(app, "dag-besok")
    post(
        admin,
        f"/admin/templates/{template_id}/sections/{section_id}",
        _section_data(app, section_id, title="Helt ny rubrik"),
    )
    assert _section_id(app, "dag-besok") == section_id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "Ingen skriver", "responsible_unit": 0}, "Välj minst ett sätt att skriva avsnittet"),
        (
            {"title": "Gemensam", "joint": "y", "responsible_unit": 0},
            "En gemensam text behöver en ansvarig verksamhet.",
        ),
        ({"title": "", "unit_kinds": ["day"], "responsible_unit": 0}, "Ge avsnittet en rubrik."),
        ({"title": "Fel typ", "unit_kinds": ["moon"], "responsible_unit": 0}, "inte ett giltigt val"),
        ({"title": "Fel enhet", "named_units": [99999], "responsible_unit": 0}, "inte ett giltigt val"),
    ],
)
def test_an_invalid_section_is_refused_with_422_and_nothing_saved(app, admin, template_id, data, message):
    before = _everything(app)
    response = post(admin, f"/admin/templates/{template_id}/chapters/{_chapter_id(app, 'dag')}/sections", data)
    assert response.status_code == 422
    assert message.casefold() in response.get_data(as_text=True).casefold()
    assert _everything(app) == before


def test_an_edit_that_leaves_nobody_writing_is_refused(app, admin, template_id):
    section_id = _section_id(app, "dag-besok")
    before = _everything(app)
    response = post(
        admin,
        f"/admin/templates/{template_id}/sections/{section_id}",
        _section_data(app, section_id, title="Ändrad", unit_kinds=[], named_units=[]),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Välj minst ett sätt att skriva avsnittet" in html
    assert 'value="Ändrad"' in html  # what the person typed is kept
    assert _everything(app) == before


def test_saving_a_section_unchanged_is_not_a_new_version(app, admin, template_id):
    section_id = _section_id(app, "natt-analys")
    before = _everything(app)
    response = post(admin, f"/admin/templates/{template_id}/sections/{section_id}", _section_data(app, section_id))
    assert response.status_code == 302
    assert _everything(app) == before


def test_move_sections_up_and_down_and_to_another_chapter(app, admin, template_id):
    gem = _section_id(app, "gem-klagomal")
    post(admin, f"/admin/templates/{template_id}/sections/{gem}/move", {"direction": "up"})
    assert [s[0] for s in _template_tree(app, template_id)[2][4]] == [
        "gem-akuta",
        "gem-klagomal",
        "gem-brukarundersokningar",
    ]
    post(admin, f"/admin/templates/{template_id}/sections/{gem}/move", {"direction": "down"})
    assert [s[0] for s in _template_tree(app, template_id)[2][4]] == [
        "gem-akuta",
        "gem-brukarundersokningar",
        "gem-klagomal",
    ]

    response = post(
        admin,
        f"/admin/templates/{template_id}/sections/{_section_id(app, 'gem-akuta')}/chapter",
        {"move-chapter_id": _chapter_id(app, "natt")},
    )
    assert response.status_code == 302
    tree = _template_tree(app, template_id)
    assert tree[0][4][-1][:2] == ("gem-akuta", 7)
    assert [(s[0], s[1]) for s in tree[2][4]] == [("gem-brukarundersokningar", 0), ("gem-klagomal", 1)]
    assert _version(app, template_id) == 4
    assert _actions(app)[-1][1]["to_chapter"] == "natt"


def test_moving_the_last_section_down_changes_nothing(app, admin, template_id):
    before = _everything(app)
    post(
        admin, f"/admin/templates/{template_id}/sections/{_section_id(app, 'gem-klagomal')}/move", {"direction": "down"}
    )
    assert _everything(app) == before


def test_an_unknown_direction_is_a_bad_request(app, admin, template_id):
    before = _everything(app)
    response = post(
        admin,
        f"/admin/templates/{template_id}/sections/{_section_id(app, 'gem-akuta')}/move",
        {"direction": "sideways"},
    )
    assert response.status_code == 400
    assert _everything(app) == before


def test_remove_a_section(app, admin, template_id):
    section_id = _section_id(app, "gem-akuta")
    assert post(admin, f"/admin/templates/{template_id}/sections/{section_id}/remove").status_code == 302
    assert [(s[0], s[1]) for s in _template_tree(app, template_id)[2][4]] == [
        ("gem-brukarundersokningar", 0),
        ("gem-klagomal", 1),
    ]
    assert _actions(app)[-1][0] == "template.section_removed"


def test_a_section_that_a_report_uses_is_not_removed(app, admin, template_id):
    section_id = _section_id(app, "gem-akuta")
    with app.app_context():  # reports own snapshots, so only a hand-made link can make a template section used
        db.session.execute(
            update(Block).where(Block.id == db.session.scalar(select(func.min(Block.id)))).values(section_id=section_id)
        )
        db.session.commit()
        db.session.remove()
    before = _everything(app)
    response = post(admin, f"/admin/templates/{template_id}/sections/{section_id}/remove")
    assert response.status_code == 409
    assert "används redan av en rapport" in response.get_data(as_text=True)
    assert _everything(app) == before


def test_the_guidance_preview_renders_sanitized_markdown(admin, template_id):
    response = post(
        admin, "/admin/templates/guidance-preview", {"guidance": "Skriv **kort**.<script>alert(1)</script>"}, htmx=True
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>kort</strong>" in html and "<script" not in html


# --- statistics tables ---------------------------------------------------------------------------


def _tables(app: Flask, section_id: int) -> list[dict]:
    with app.app_context():
        tables = db.session.get(TemplateSection, section_id).table_specs
        db.session.remove()
        return tables


def test_add_a_table_then_set_its_categories(app, admin, template_id):
    section_id = _section_id(app, "dag-verksamheter")
    response = post(
        admin,
        f"/admin/templates/{template_id}/sections/{section_id}/tables",
        {"table-kind": "category_month", "table-title": "Aktiviteter per månad", "table-key": ""},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sections/{section_id}/tables/aktiviteter-per-manad")
    assert _tables(app, section_id) == [
        {"key": "aktiviteter-per-manad", "kind": "category_month", "title": "Aktiviteter per månad"}
    ]
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kategorier" in page and "Övriga inställningar (JSON)" in page

    response = post(
        admin,
        f"/admin/templates/{template_id}/sections/{section_id}/tables/aktiviteter-per-manad",
        {
            "title": "Aktiviteter",
            "months_as": "columns",
            "categories": "Språkkafé\nsport = Idrott | Fotboll",
            "options": '{"decimals": {"total": 1}}',
        },
    )
    assert response.status_code == 302
    assert _tables(app, section_id) == [
        {
            "key": "aktiviteter-per-manad",
            "kind": "category_month",
            "title": "Aktiviteter",
            "categories": [
                {"key": "sprakkafe", "label": "Språkkafé"},
                {"key": "sport", "label": "Idrott", "aliases": ["Fotboll"]},
            ],
            "decimals": {"total": 1},
        }
    ]
    assert _version(app, template_id) == 3
    assert [a for a, _ in _actions(app)] == ["template.table_added", "template.table_updated"]
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "sprakkafe = Språkkafé" in page and "Idrott" in page


def test_a_table_with_a_bad_spec_is_refused_with_the_engines_message(app, admin, template_id):
    section_id = _section_id(app, "dag-rad-stod")
    before = _everything(app)
    response = post(
        admin,
        f"/admin/templates/{template_id}/sections/{section_id}/tables/advice",
        {"title": "Råd", "months_as": "columns", "categories": "Arbete", "measures": "Antal personer"},
    )
    assert response.status_code == 422
    assert "measures och extra_columns kräver months_as" in response.get_data(as_text=True)
    response = post(
        admin,
        f"/admin/templates/{template_id}/sections/{section_id}/tables/advice",
        {"title": "Råd", "months_as": "columns", "categories": "Arbete", "options": '{"labels": {"nope": "X"}}'},
    )
    assert response.status_code == 422
    assert "okänd kolumn &#39;nope&#39;" in response.get_data(as_text=True)
    assert _everything(app) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"table-kind": "pie", "table-title": "Paj"}, "inte ett giltigt val"),
        ({"table-kind": "facts", "table-title": ""}, "Ge tabellen en rubrik."),
        ({"table-kind": "facts", "table-title": "Besök", "table-key": "visits"}, "har redan en tabell med nyckeln"),
        ({"table-kind": "facts", "table-title": "X", "table-key": "a b"}, "Bokstäver a–z, siffror"),
    ],
)
def test_an_invalid_new_table_is_refused(app, admin, template_id, data, message):
    section_id = _section_id(app, "dag-besok")
    before = _everything(app)
    response = post(admin, f"/admin/templates/{template_id}/sections/{section_id}/tables", data)
    assert response.status_code == 422
    assert message.casefold() in response.get_data(as_text=True).casefold()
    assert _everything(app) == before


def test_reorder_and_remove_tables(app, admin, template_id):
    section_id = _section_id(app, "dag-eu-teamet")
    assert [t["key"] for t in _tables(app, section_id)] == ["cases", "case_shares"]
    post(admin, f"/admin/templates/{template_id}/sections/{section_id}/tables/case_shares/move", {"direction": "up"})
    assert [t["key"] for t in _tables(app, section_id)] == ["case_shares", "cases"]
    post(admin, f"/admin/templates/{template_id}/sections/{section_id}/tables/cases/remove")
    assert [t["key"] for t in _tables(app, section_id)] == ["case_shares"]
    assert [a for a, _ in _actions(app)] == ["template.table_moved", "template.table_removed"]
    assert admin.get(f"/admin/templates/{template_id}/sections/{section_id}/tables/cases").status_code == 404


def test_every_demo_table_page_opens_and_saving_it_unchanged_is_no_edit(app, admin, template_id):
    with app.app_context():
        tables = [
            (s.id, t["key"])
            for s in db.session.scalars(
                select(TemplateSection)
                .join(TemplateSection.chapter)
                .where(TemplateChapter.report_template_id == template_id)
            )
            for t in s.table_specs
        ]
        db.session.remove()
    assert len(tables) == 14
    for section_id, key in tables:
        url = f"/admin/templates/{template_id}/sections/{section_id}/tables/{key}"
        page = admin.get(url)
        assert page.status_code == 200, url
        assert "Så blir tabellen" in page.get_data(as_text=True)
    section_id = _section_id(app, "natt-biljetter")
    before = _everything(app)
    response = post(
        admin,
        f"/admin/templates/{template_id}/sections/{section_id}/tables/tickets",
        {
            "title": "Utdelade biljetter per härbärge och månad",
            "months_as": "rows",
            "categories": "stadsmissionen = Stadsmissionen\nfa-arsta = FA Årsta\nfa-liljeholmen = FA Liljeholmen",
            "measures": "places = Platser\ntickets = Biljetter",
            "extra_columns": (
                "no_place = Inte plats | Inte fått plats, Ej plats\nnights = Nätter | Öppna nätter, Antal nätter"
            ),
            "ratios": "tickets_per_night = Biljetter per natt | total.tickets / nights | 1",
        },
    )
    assert response.status_code == 302
    assert _everything(app) == before


# --- JSON export and import --------------------------------------------------------------------------


def test_export_is_a_json_download_named_by_key_and_version(app, admin, template_id):
    post(admin, f"/admin/templates/{template_id}", {"name": "Namn", "description": ""})
    response = _export(admin, template_id)
    assert response.headers["Content-Disposition"] == f'attachment; filename="template-{DEMO_KEY}-v2.json"'
    assert response.mimetype == "application/json"
    data = json.loads(response.data)
    assert data["format"] == "iop-rapport-template/1" and data["version"] == 2
    assert data["chapters"][0]["sections"][0]["responsible_unit"] == "ng-inskrivning"


def test_export_import_export_is_byte_identical(app, admin, template_id):
    # Edit first, so the file holds more than the seed.
    post(admin, f"/admin/templates/{template_id}/sections/{_section_id(app, 'gem-klagomal')}/move", {"direction": "up"})
    first = _export(admin, template_id).data
    with app.app_context():  # free the key, so the file comes back under its own key
        db.session.execute(update(ReportTemplate).where(ReportTemplate.id == template_id).values(key="gammal"))
        db.session.commit()
        db.session.remove()
    response = _import(admin, first)
    assert response.status_code == 302
    imported_id = _template_id(app)
    assert imported_id != template_id
    assert response.headers["Location"].endswith(f"/admin/templates/{imported_id}")
    second = _export(admin, imported_id).data
    assert second == first
    assert _template_tree(app, imported_id) == _template_tree(app, template_id)
    assert _version(app, imported_id) == _version(app, template_id) == 2
    action, details = _actions(app)[-1]
    assert action == "template.imported" and details["file_key"] == DEMO_KEY


def test_importing_a_file_whose_key_exists_asks_for_a_new_key(app, admin, template_id):
    content = _export(admin, template_id).data
    before = _everything(app)
    response = _import(admin, content)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det finns redan en mall med nyckeln &#39;iop-eu-2021&#39;" in html and "Ange en ny nyckel" in html
    assert _everything(app) == before

    response = _import(admin, content, key="iop-eu-2021-kopia")
    assert response.status_code == 302
    copy_id = _template_id(app, "iop-eu-2021-kopia")
    assert _template_tree(app, copy_id) == _template_tree(app, template_id)


def _bad_files(app: Flask, admin: FlaskClient, template_id: int) -> dict[str, tuple[bytes, str]]:
    data = json.loads(_export(admin, template_id).data)
    data["key"] = "ny-mall"

    def variant(change) -> bytes:
        copy = json.loads(json.dumps(data))
        change(copy)
        return json.dumps(copy, ensure_ascii=False).encode()

    def unknown_unit(d):
        d["chapters"][0]["sections"][1]["units"] = ["stangd-verksamhet"]

    def unknown_kind(d):
        d["chapters"][0]["sections"][0]["tables"][0]["kind"] = "pie"

    def missing_field(d):
        del d["chapters"][0]["sections"][0]["title"]

    def bad_spec(d):
        d["chapters"][1]["sections"][1]["tables"][0]["compare"] = ["nope"]

    def wrong_format(d):
        d["format"] = "something-else/1"

    return {
        "not json": (b"this is not json", "inte giltig JSON"),
        "wrong format": (variant(wrong_format), "ingen rapportmall"),
        "unknown unit": (variant(unknown_unit), "okänd verksamhet &#39;stangd-verksamhet&#39;"),
        "unknown kind": (variant(unknown_kind), "okänd sort &#39;pie&#39;"),
        "missing field": (variant(missing_field), "&#39;title&#39; saknas"),
        "bad spec": (variant(bad_spec), "okänd jämförelsekolumn &#39;nope&#39;"),
        "too large": (b"{" + b" " * 600_000 + b"}", "Filen är för stor"),
    }


@pytest.mark.parametrize(
    "case", ["not json", "wrong format", "unknown unit", "unknown kind", "missing field", "bad spec", "too large"]
)
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_created(app, admin, template_id, case):
    content, message = _bad_files(app, admin, template_id)[case]
    before = _everything(app)
    response = _import(admin, content)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html, html[html.find("alert") :][:500]
    assert "Ingen mall skapades." in html
    assert _everything(app) == before


def test_importing_without_a_file_is_refused(app, admin, demo):
    before = _everything(app)
    response = post(admin, "/admin/templates/import", {"import-key": ""}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Välj en mallfil att importera." in response.get_data(as_text=True)
    assert _everything(app) == before


# --- pages and guards ------------------------------------------------------------------------------


def test_the_editor_page_has_a_bounded_number_of_queries(app, admin, template_id, count_queries):
    url = f"/admin/templates/{template_id}"
    with count_queries() as counter:
        assert admin.get(url).status_code == 200
    first = counter.count
    for title in ("Ett", "Två", "Tre"):
        post(
            admin,
            f"/admin/templates/{template_id}/chapters/{_chapter_id(app, 'dag')}/sections",
            {"title": title, "named_units": [_unit_id(app, "crossroads")], "responsible_unit": 0},
        )
    with count_queries() as counter:
        assert admin.get(url).status_code == 200
    assert counter.count == first <= 14, counter.statements


def _my_endpoints(app: Flask) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) for every route of the template admin, with real ids filled in."""
    values = {
        "template_id": _template_id(app),
        "chapter_id": _chapter_id(app, "dag"),
        "section_id": _section_id(app, "dag-eu-teamet"),
        "table_key": "cases",
    }
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if view.__module__ != "webapp.views.admin.templates":
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", str(values[name])).replace(f"<{name}>", str(values[name]))
        for method in sorted(rule.methods & {"GET", "POST"}):
            found.append((method, url, rule.endpoint))
    return found


@pytest.mark.parametrize(
    "email", ["skribent.stadsmissionen-natt@demo.iop", "granskare.fralsningsarmen@demo.iop", "ordforande@demo.iop"]
)
def test_every_template_endpoint_is_refused_to_non_admins_with_nothing_changed(app, signed_in, email):
    endpoints = _my_endpoints(app)
    assert len(endpoints) == 25
    assert {"admin.templates", "admin.template_export", "admin.template_import", "admin.template_table_update"} <= {
        endpoint for _, _, endpoint in endpoints
    }
    client = signed_in(email)
    before = _everything(app)
    chapter_id = _chapter_id(app, "dag")
    form = {
        "name": "Hack",
        "title": "Hack",
        "guidance": "x",
        "unit_kinds": ["day"],
        "direction": "up",
        "retired": "1",
        "table-kind": "facts",
        "table-title": "X",
        "new-chapter-title": "X",
        f"chapter-{chapter_id}-title": "X",
        "copy-name": "X",
        "move-chapter_id": chapter_id,
    }
    for method, url, endpoint in endpoints:
        if method == "GET":
            response = client.get(url)
        else:
            response = post(client, url, form)
        assert response.status_code == 403, (method, url, endpoint, response.status_code)
    assert _everything(app) == before


def test_signed_out_visitors_are_sent_to_sign_in_with_nothing_changed(app, client, demo):
    before = _everything(app)
    token = csrf_token(client, "/login")
    for method, url, _endpoint in _my_endpoints(app):
        response = client.get(url) if method == "GET" else client.post(url, data={"name": "X", "csrf_token": token})
        assert response.status_code in (302, 403), (method, url)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    assert _everything(app) == before
