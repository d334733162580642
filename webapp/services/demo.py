"""The demo: organisations, units, people, the 2021–22 report and an open 2022–23 report."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Block, BlockState, Report, ReportState, Role, TemplateSection, Unit, User
from webapp.services import accounts, blocks, report_templates, reports

DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo.toml"


@dataclass(frozen=True)
class DemoPeriod:
    key: str
    title: str
    start: date
    end: date
    deadline: date


PERIODS = (
    DemoPeriod("2021", "Verksamhetsrapport IOP 2021-11-01 – 2022-04-30",
               date(2021, 11, 1), date(2022, 4, 30), date(2022, 5, 31)),
    DemoPeriod("2022", "Verksamhetsrapport IOP 2022-11-01 – 2023-04-30",
               date(2022, 11, 1), date(2023, 4, 30), date(2023, 5, 31)),
)


@dataclass(frozen=True)
class DemoResult:
    created: bool
    password: str
    users: list[tuple[str, str, str]]  # (email, name, roles)


def _load_demo_file() -> dict:
    with DEMO_FILE.open("rb") as handle:
        return tomllib.load(handle)


def _ensure_users(data: dict, units_by_key: dict[str, Unit]) -> list[User]:
    users = []
    for raw in data["users"]:
        user = accounts.find_user_by_email(raw["email"])
        if user is None:
            user = accounts.create_user(
                raw["email"], raw["name"], data["password"],
                roles=[Role(role) for role in raw["roles"]],
                units=[units_by_key[key] for key in raw.get("units", [])],
            )
        users.append(user)
    return users


def _find_block(report: Report, section_key: str, unit_key: str) -> Block:
    statement = (
        select(Block).join(Block.section).join(Block.unit)
        .where(Block.report_id == report.id, TemplateSection.key == section_key)
    )
    if unit_key == "joint":
        statement = statement.where(Block.joint.is_(True))
    else:
        statement = statement.where(Unit.key == unit_key, Block.joint.is_(False))
    block = db.session.scalars(statement).first()
    if block is None:
        raise LookupError(f"demo text for unknown block {section_key}/{unit_key}")
    return block


def _write_texts(report: Report, texts: list[dict], writers: dict[int, User], fallback: User) -> None:
    for text in texts:
        block = _find_block(report, text["section"], text["unit"])
        author = writers.get(block.unit_id, fallback)
        blocks.save_block(block, author, text["markdown"].strip(), base_version=block.version,
                          note="Demotext", max_bytes=200_000, coalesce_seconds=600)
        block.state = BlockState(text.get("state", BlockState.DRAFT))


def seed_demo() -> DemoResult:
    """Create the demo if it is not there yet. Safe to run any number of times."""
    data = _load_demo_file()
    spec = report_templates.read_template_file()
    report_template = report_templates.install_template(spec)
    units_by_key = {u.key: u for u in db.session.scalars(select(Unit))}
    users = _ensure_users(data, units_by_key)
    summary = [(u.email, u.name, ", ".join(sorted(r.value for r in u.roles))) for u in users]

    existing = {r.title for r in db.session.scalars(select(Report))}
    if all(period.title in existing for period in PERIODS):
        return DemoResult(False, data["password"], summary)

    admin = next(u for u in users if u.has_role(Role.ADMIN))
    writers: dict[int, User] = {}
    for user in users:
        if user.has_role(Role.WRITER):
            for unit in user.units:
                writers.setdefault(unit.id, user)

    previous = None
    for period in PERIODS:
        report = reports.create_report(
            report_template, title=period.title, period_start=period.start, period_end=period.end,
            deadline=period.deadline, created_by=admin, previous_report=previous,
        )
        _write_texts(report, [t for t in data["texts"] if t["report"] == period.key], writers, admin)
        previous = report
    # The 2021–22 report was handed in long ago.
    first = db.session.scalars(select(Report).where(Report.title == PERIODS[0].title)).one()
    first.state = ReportState.LOCKED
    db.session.flush()
    return DemoResult(True, data["password"], summary)
