"""What each page costs at the demo's size and at ten times the partnership (issue 16).

Builds the demo (1×) and a partnership ``--scale`` times as large (10×: 110 units, 800+ blocks)
through the app's own services, each in a scratch database, and measures every page a person
opens — the overview (with its progress matrix), Mina bidrag as a writer and as the chair, the
block page, the review queue, the document preview (its first page, each chapter's page and the
whole document on one page) and the activity page:

- CPU time per request: ``time.process_time`` around a Flask test-client request in this
  process, the median of ``--runs`` after ``--warmup`` unmeasured requests;
- SQL statements per request, counted by a ``before_cursor_execute`` listener on the engine;
- the size of the answer;

then the ratio 10×/1×, and the block page at 1 / 101 / 501 revisions (revisions added through
the save service). Figures are printed, never asserted.

How the 10× partnership is made (``build``): the template is installed, then for every copy
``n`` = 2 … scale each demo organisation is created again ("Convictus (2)") with its units,
their capacity schedules and one writer per unit (organisation and people services); each copy
is added to the template sections that name its original unit (template editor service), the
others reach it by its kind. Then the demo is seeded as usual, so both reports get blocks for
every unit. In the open report 2022–23 (the one measured) the blocks the demo leaves empty get
the 2021–22 text and tables (one year on) and about half move on in review (workflow service);
then each copy's block gets its original's text and tables through the save service and its
original's state through the workflow. Finally, the same for every scale, some
blocks get a second revision and some a comment thread (chosen by section and original unit,
so 10× holds ten times as many of each).

    .venv/bin/python bench/scale.py                 # 1× and 10× on SQLite, ~25 s
    .venv/bin/python bench/scale.py --quick         # fewer repeats, ~15 s
    .venv/bin/python bench/scale.py --render-memory # plus a draft PDF render per scale (+2 min)
    .venv/bin/python bench/scale.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/scale.py --json          # the figures as JSON on stdout

With ``--database-url`` the scratch databases are created beside the one the URL names (which
is only connected to, to create and drop them) and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402

WRITER = "skribent.crossroads@demo.iop"
CHAIR = "ordforande@demo.iop"
REVIEWER = "granskare.convictus@demo.iop"
ADMIN = common.ADMIN_EMAIL
SCALE_EMAIL_DOMAIN = "scale.demo.iop"
HISTORY_STEPS = (1, 101, 501)
YEAR_MONTH = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


# --------------------------------------------------------------------------- the builder


@dataclass(frozen=True)
class BuildSummary:
    scale: int
    organisations: int
    units: int
    users: int
    report_id: int
    blocks: int
    joint_blocks: int
    filled_blocks: int
    revisions: int
    comments: int
    states: dict[str, int]
    history_block_id: int
    build_seconds: float


def _picked(section_key: str, origin_key: str, modulo: int, remainder: int) -> bool:
    """The same blocks at every scale: a copy is picked when its original is."""
    return zlib.crc32(f"{section_key}/{origin_key}".encode()) % modulo == remainder


def _one_year_on(value):
    """Stored table JSON of one period moved to the next: month keys and dates one year later."""
    if isinstance(value, dict):
        return {key: _one_year_on(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_one_year_on(item) for item in value]
    if isinstance(value, str) and YEAR_MONTH.match(value):
        return f"{int(value[:4]) + 1}{value[4:]}"
    return value


def build(scale: int) -> BuildSummary:
    """The demo at ``scale`` times its partnership, in the app context's (empty, migrated) database.

    Flushes only; the caller commits.
    """
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Block, BlockState, Comment, Organisation, Report, Revision, Role, Unit, User
    from webapp.services import accounts, blocks, demo, report_templates
    from webapp.services.accounts import organisations
    from webapp.services.report_templates import admin as template_admin
    from webapp.services.review import comments, workflow

    begin = time.perf_counter()
    data = tomllib.loads(demo.DEMO_FILE.read_text(encoding="utf-8"))
    template = report_templates.install_template(report_templates.read_template_file())
    # The demo's admin first, so the organisation services have someone acting; seed_demo finds her.
    admin_raw = next(raw for raw in data["users"] if raw["email"] == ADMIN)
    admin = accounts.create_user(
        ADMIN, admin_raw["name"], data["password"], roles=[Role(r) for r in admin_raw["roles"]], units=[]
    )

    originals = list(db.session.scalars(select(Unit).order_by(Unit.id)))
    origin_of: dict[int, Unit] = {unit.id: unit for unit in originals}
    copies_of: dict[int, list[Unit]] = {unit.id: [] for unit in originals}
    writer_of: dict[int, User] = {}
    demo_organisations = list(db.session.scalars(select(Organisation).order_by(Organisation.id)))
    for number in range(2, scale + 1):
        for organisation in demo_organisations:
            copy = organisations.create_organisation(f"{organisation.name} ({number})", by=admin)
            for unit in sorted(organisation.units, key=lambda u: u.id):
                twin = organisations.create_unit(copy, f"{unit.name} ({number})", str(unit.kind), by=admin)
                for entry in unit.capacity:
                    organisations.add_capacity(twin, entry.places, entry.from_date, entry.until_date, by=admin)
                origin_of[twin.id] = unit
                copies_of[unit.id].append(twin)
                writer_of[twin.id] = accounts.create_user(
                    f"skribent.{twin.key}@{SCALE_EMAIL_DOMAIN}",
                    f"Skribent {twin.name}",
                    data["password"],
                    roles=[Role.WRITER],
                    units=[twin],
                )
    # Sections that name units get the copies too; the others reach them by their kind.
    for chapter in template.chapters:
        for section in chapter.sections:
            named = list(section.named_units)
            extra = [twin for unit in named for twin in copies_of.get(unit.id, [])]
            if not extra:
                continue
            template_admin.update_section(
                template,
                section,
                title=section.title,
                guidance=section.guidance,
                contribution=template_admin.Contribution(
                    joint=section.joint,
                    responsible_unit=section.responsible_unit,
                    unit_kinds=tuple(section.unit_kinds or ()),
                    units=tuple(named + extra),
                ),
                user=admin,
            )
    db.session.flush()
    demo.seed_demo()

    reviewer, chair = accounts.find_user_by_email(REVIEWER), accounts.find_user_by_email(CHAIR)
    assert reviewer is not None and chair is not None
    users = {u.id: u for u in db.session.scalars(select(User))}
    first_writer: dict[int, User] = {}
    for user in sorted(users.values(), key=lambda u: u.id):
        if user.has_role(Role.WRITER):
            for unit in user.units:
                first_writer.setdefault(unit.id, user)

    def save(block: Block, source: str, tables: dict | None, note: str) -> None:
        author = first_writer.get(block.unit_id, admin)
        blocks.save_block(
            block,
            author,
            source,
            base_version=block.version,
            tables=tables,
            note=note,
            max_bytes=200_000,
            coalesce_seconds=600,
        )

    def advance(block: Block, target: BlockState) -> None:
        """Draft → target through the review workflow, as the writer, reviewer and chair would."""
        if target == BlockState.DRAFT or block.state == target:
            return
        workflow.perform(first_writer.get(block.unit_id, admin), block, workflow.Action.SUBMIT)
        if target == BlockState.APPROVED:
            workflow.perform(chair, block, workflow.Action.APPROVE)
        elif target == BlockState.CHANGES_REQUESTED:
            workflow.perform(reviewer, block, workflow.Action.REQUEST_CHANGES, reason="Komplettera siffrorna.")

    earlier, report = (
        db.session.scalars(select(Report).where(Report.title == period.title)).one() for period in demo.PERIODS
    )
    report_blocks = list(db.session.scalars(select(Block).where(Block.report_id == report.id).order_by(Block.id)))
    earlier_by_place = {
        (b.section.key, b.unit_id, b.joint): b
        for b in db.session.scalars(select(Block).where(Block.report_id == earlier.id))
    }
    # The open report of the demo has texts in a few blocks only; the others get last period's
    # text and tables (moved one year on), and some move on in review, as a report nearing its deadline.
    for block in report_blocks:
        if block.current_revision is not None or origin_of[block.unit_id].id != block.unit_id:
            continue
        source_block = earlier_by_place.get((block.section.key, block.unit_id, block.joint))
        if source_block is None or source_block.current_revision is None:
            continue
        last = source_block.current_revision
        save(block, last.source, _one_year_on(last.tables or {}), "Demotext")
        if not block.joint:
            pick = zlib.crc32(f"{block.section.key}/{block.unit.key}".encode()) % 6
            advance(
                block,
                {0: BlockState.SUBMITTED, 1: BlockState.APPROVED, 2: BlockState.CHANGES_REQUESTED}.get(
                    pick, BlockState.DRAFT
                ),
            )
    # Every copy as its original: the same text, tables and state.
    by_place = {(b.section_id, b.unit_id): b for b in report_blocks if not b.joint}
    for block in report_blocks:
        origin = origin_of[block.unit_id]
        if block.joint or origin.id == block.unit_id:
            continue
        original = by_place.get((block.section_id, origin.id))
        if original is None or original.current_revision is None:
            continue
        revision = original.current_revision
        save(block, revision.source, dict(revision.tables or {}), "Demotext")
        advance(block, BlockState(original.state))
    db.session.flush()

    # The block whose history grows later: one of the writer's draft blocks, left at one revision.
    writer = accounts.find_user_by_email(WRITER)
    assert writer is not None
    history_block = next(
        b
        for b in report_blocks
        if b.unit_id == writer.units[0].id
        and not b.joint
        and b.state == BlockState.DRAFT
        and b.current_revision is not None
        and b.current_revision.number == 1
    )
    for block in report_blocks:
        origin_key = origin_of[block.unit_id].key
        section_key = block.section.key
        editable = block.state in (BlockState.DRAFT, BlockState.CHANGES_REQUESTED)
        if (
            block.id != history_block.id
            and editable
            and block.current_revision is not None
            and _picked(section_key, origin_key, 3, 0)
        ):
            extra = "\n\nKompletterat efter samverkansgruppens möte."
            save(block, block.current_revision.source + extra, None, "Komplettering")
        if _picked(section_key, origin_key, 4, 1):
            comments.start_thread(block, reviewer, "Kan ni förtydliga siffrorna för december?")
    db.session.flush()

    block_ids = [b.id for b in report_blocks]
    states: dict[str, int] = {}
    for block in report_blocks:
        states[str(block.state)] = states.get(str(block.state), 0) + 1
    return BuildSummary(
        scale=scale,
        organisations=db.session.scalar(select(func.count(Organisation.id))) or 0,
        units=db.session.scalar(select(func.count(Unit.id))) or 0,
        users=len(users),
        report_id=report.id,
        blocks=len(report_blocks),
        joint_blocks=sum(1 for b in report_blocks if b.joint),
        filled_blocks=sum(1 for b in report_blocks if b.current_revision is not None),
        revisions=db.session.scalar(select(func.count(Revision.id)).where(Revision.block_id.in_(block_ids))) or 0,
        comments=db.session.scalar(select(func.count(Comment.id)).where(Comment.block_id.in_(block_ids))) or 0,
        states=dict(sorted(states.items())),
        history_block_id=history_block.id,
        build_seconds=round(time.perf_counter() - begin, 1),
    )


def add_revisions(block_id: int, count: int) -> int:
    """``count`` more revisions of the block, saved by its unit's writer; the block's revision count."""
    from webapp.extensions import db
    from webapp.services import accounts, blocks, reports

    writer = accounts.find_user_by_email(WRITER)
    block = reports.load_block_for_update(block_id)
    assert writer is not None and block is not None and block.current_revision is not None
    base = block.current_revision.source
    for _ in range(count):
        number = block.current_revision.number + 1
        blocks.save_block(
            block,
            writer,
            f"{base}\n\nRevision {number}: {common.words(12, number)}",
            base_version=block.version,
            note=f"Revision {number}",
            max_bytes=200_000,
            coalesce_seconds=600,
        )
    db.session.commit()
    return block.current_revision.number


# --------------------------------------------------------------------------- databases


@contextmanager
def scratch_database(server_url: str | None, label: str) -> Iterator[str]:
    """A new empty database: a SQLite file in a temp dir, or a PostgreSQL database beside ``server_url``'s."""
    if not server_url:
        directory = Path(tempfile.mkdtemp(prefix=f"iop-scale-{label}-"))
        try:
            yield f"sqlite:///{directory / 'scale.sqlite'}"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"iop_scale_{label}_{uuid.uuid4().hex[:8]}"
    if name == "test" or url.database == name:
        raise SystemExit("refusing to use that database name")
    admin_engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin_engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin_engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin_engine.dispose()


def make_app(database_url: str):
    from webapp import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": common.BENCH_SECRET_KEY,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # hundreds of users; sign-in is not measured
            "DEMO_MODE": False,
            "HUEY_IMMEDIATE": True,
            "DOCUMENT_PREVIEWS_PER_USER": "100000/minute",  # limited per user; the benchmark repeats it
            "MAIL_SERVER": "",
        }
    )


# --------------------------------------------------------------------------- measuring


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args) -> None:
        self.count += 1


@dataclass
class PageFigures:
    page: str
    path: str
    user: str
    runs: int
    cpu_ms_median: float
    cpu_ms_min: float
    cpu_ms_whole_median: float  # until the last chunk: differs from cpu_ms_median only if the page streams
    queries: int
    queries_whole: int
    bytes: int
    status: int


def sign_in(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"email": email, "password": common.DEMO_PASSWORD, "csrf_token": common.find_csrf_token(page)}
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in as {email} answered {response.status_code}")
    return client


def _one_request(client, counter: QueryCounter, path: str) -> tuple[float, int, int, int, float, int]:
    """CPU up to the first chunk of the answer (the whole answer unless it streams), and the rest."""
    counter.count = 0
    begin = time.process_time()
    response = client.get(path)
    chunks = iter(response.response)
    first = next(chunks, b"")
    spent = time.process_time() - begin
    queries = counter.count
    size = len(first) + sum(len(chunk) for chunk in chunks)
    whole = time.process_time() - begin
    response.close()
    return spent, queries, size, response.status_code, whole, counter.count


def _figures(page: str, path: str, user: str, results: list[tuple]) -> PageFigures:
    times = [r[0] for r in results]
    return PageFigures(
        page=page,
        path=path,
        user=user,
        runs=len(results),
        cpu_ms_median=round(statistics.median(times) * 1000, 2),
        cpu_ms_min=round(min(times) * 1000, 2),
        cpu_ms_whole_median=round(statistics.median(r[4] for r in results) * 1000, 2),
        queries=int(statistics.median(r[1] for r in results)),
        queries_whole=int(statistics.median(r[5] for r in results)),
        bytes=results[-1][2],
        status=results[-1][3],
    )


def measure(client, counter: QueryCounter, page: str, path: str, user: str, runs: int, warmup: int) -> PageFigures:
    for _ in range(warmup):
        _one_request(client, counter, path)
    return _figures(page, path, user, [_one_request(client, counter, path) for _ in range(runs)])


def _largest_organisation(report_id: int) -> int:
    """The organisation with the most units writing in the report (the one the overview opens)."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Block, Unit

    return db.session.execute(
        select(Unit.organisation_id)
        .join(Block, Block.unit_id == Unit.id)
        .where(Block.report_id == report_id, Block.joint.is_(False))
        .group_by(Unit.organisation_id)
        .order_by(func.count(func.distinct(Unit.id)).desc(), Unit.organisation_id)
        .limit(1)
    ).scalar_one()


@dataclass
class PageVisit:
    page: str
    client: object
    user: str
    path: str
    runs: int


@dataclass
class Site:
    """One built partnership, its signed-in clients and the pages to measure on it."""

    scale: int
    app: object
    url: str
    summary: BuildSummary
    counter: QueryCounter
    writer: object
    visits: list[PageVisit]


@contextmanager
def built_site(scale: int, args: argparse.Namespace) -> Iterator[Site]:
    from flask_migrate import upgrade
    from sqlalchemy import event

    from webapp.extensions import db

    with scratch_database(args.database_url, f"x{scale}") as url:
        app = make_app(url)
        with app.app_context():
            logging.disable(logging.INFO)  # Alembic's line per migration
            upgrade()
            logging.disable(logging.NOTSET)
            summary = build(scale)
            db.session.commit()
            opened = _largest_organisation(summary.report_id)
            counter = QueryCounter()
            event.listen(db.engine, "before_cursor_execute", counter)
        if not args.json:
            note = f"{summary.units} units, {summary.blocks} blocks"
            print(f"  built {scale}×: {note} ({summary.build_seconds} s)", file=sys.stderr, flush=True)
        report_id, block_id = summary.report_id, summary.history_block_id
        writer, chair, reviewer = sign_in(app, WRITER), sign_in(app, CHAIR), sign_in(app, REVIEWER)
        runs = args.runs
        heavy = max(3, runs // 3)
        preview = f"/reports/{report_id}/preview"
        visits = [
            PageVisit("overview (with progress matrix)", chair, "chair", f"/reports/{report_id}", runs),
            PageVisit("overview, one organisation open", chair, "chair", f"/reports/{report_id}?visa={opened}", runs),
            PageVisit("Mina bidrag, writer", writer, "writer", "/", runs),
            PageVisit("Mina bidrag, chair", chair, "chair", "/", runs),
            PageVisit("block page", writer, "writer", f"/blocks/{block_id}", runs),
            PageVisit("review queue", reviewer, "reviewer", "/review", runs),
            PageVisit("document preview (first response)", chair, "chair", preview, runs),
            # The first response loads each chapter when it scrolls into view; a chapter's own page
            # (what the contents link to) holds the chapter and the contents.
            *[
                PageVisit(f"document preview, chapter {n} page", chair, "chair", f"{preview}/{n}", heavy)
                for n in (1, 2, 3)
            ],
            PageVisit("document preview, whole on one page", chair, "chair", f"{preview}/all", heavy),
            PageVisit("activity", chair, "chair", f"/reports/{report_id}/activity", runs),
        ]
        try:
            yield Site(scale, app, url, summary, counter, writer, visits)
        finally:
            with app.app_context():
                event.remove(db.engine, "before_cursor_execute", counter)
                db.session.remove()
                db.engine.dispose()


def measure_interleaved(sites: list[Site], index: int, warmup: int) -> list[PageFigures]:
    """One page on every site, request by request in turn (1×, 10×, 1×, …): a machine whose load
    drifts during the run then weighs on both sizes alike, and their ratio stays fair."""
    visits = [site.visits[index] for site in sites]
    for site, visit in zip(sites, visits, strict=True):
        for _ in range(warmup):
            _one_request(visit.client, site.counter, visit.path)
    results: list[list[tuple]] = [[] for _ in sites]
    for _ in range(visits[0].runs):
        for k, (site, visit) in enumerate(zip(sites, visits, strict=True)):
            results[k].append(_one_request(visit.client, site.counter, visit.path))
    return [_figures(v.page, v.path, v.user, r) for v, r in zip(visits, results, strict=True)]


def block_history_figures(site: Site, args: argparse.Namespace) -> list[dict]:
    """The block page at 1, 101 and 501 revisions of its block."""
    block_id = site.summary.history_block_id
    path = f"/blocks/{block_id}"

    def at(revisions: int) -> dict:
        item = asdict(measure(site.writer, site.counter, "block page", path, "writer", args.runs, args.warmup))
        item["revisions"] = revisions
        return item

    history = [at(1)]
    have = 1
    for target in HISTORY_STEPS[1:]:
        with site.app.app_context():
            have = add_revisions(block_id, target - have)
        history.append(at(have))
    return history


def run_scales(scales: list[int], args: argparse.Namespace) -> dict[str, dict]:
    """Every page at every scale, the scales interleaved; then the history and memory figures."""
    with ExitStack() as stack:
        sites = [stack.enter_context(built_site(scale, args)) for scale in scales]
        pages: list[list[PageFigures]] = [[] for _ in sites]
        for index in range(len(sites[0].visits)):
            for k, figures in enumerate(measure_interleaved(sites, index, args.warmup)):
                pages[k].append(figures)
        runs = {}
        for site, figures in zip(sites, pages, strict=True):
            history = block_history_figures(site, args) if args.history and site.scale == 1 else []
            memory = render_memory(site.url, site.summary.report_id) if args.render_memory else None
            runs[str(site.scale)] = {
                "build": asdict(site.summary),
                "pages": [asdict(f) for f in figures],
                "block_history": history,
                "render_memory": memory,
            }
        return runs


def render_child(database_url: str, report_id: int) -> dict:
    """In a child process: one draft PDF of the report, as the worker renders it; its peak memory."""
    from webapp.document import render_document_html, render_pdf
    from webapp.services.reports.documents import build_document

    app = make_app(database_url)
    with app.app_context(), app.test_request_context("/"):
        render_pdf(render_document_html_of_nothing())  # fonts, Pango and stylesheets loaded first
        before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        begin = time.perf_counter()
        document = build_document(report_id, draft=True)
        assert document is not None
        pdf = render_pdf(render_document_html(document, for_print=True))
        seconds = time.perf_counter() - begin
    return {
        "baseline_mb": round(before_kb / 1024, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "seconds": round(seconds, 2),
        "pdf_kb": round(len(pdf) / 1024),
        "pages": _pages(pdf),
    }


def _pages(pdf: bytes) -> int | None:
    try:
        from io import BytesIO

        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(BytesIO(pdf)).pages)


def render_document_html_of_nothing() -> str:
    return "<!doctype html><html lang=sv><title>uppvärmning</title><p>Uppvärmning</p></html>"


def render_memory(database_url: str, report_id: int) -> dict:
    """Peak RSS of a child process that renders the report's draft PDF (and RUSAGE_CHILDREN's max)."""
    completed = subprocess.run(
        [sys.executable, __file__, "--render-child", database_url, str(report_id)],
        capture_output=True,
        text=True,
        cwd=common.PROJECT_ROOT,
        check=False,
    )
    if completed.returncode != 0:
        return {"error": completed.stderr[-2000:]}
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["rusage_children_max_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return result


# --------------------------------------------------------------------------- output


def ratio(a: float, b: float) -> float | None:
    return round(b / a, 2) if a else None


def compare(small: dict, large: dict) -> list[dict]:
    rows = []
    for one, ten in zip(small["pages"], large["pages"]):
        rows.append(
            {
                "page": one["page"],
                "cpu_ms": [one["cpu_ms_median"], ten["cpu_ms_median"]],
                "cpu_ratio": ratio(one["cpu_ms_median"], ten["cpu_ms_median"]),
                "queries": [one["queries"], ten["queries"]],
                "kb": [round(one["bytes"] / 1024, 1), round(ten["bytes"] / 1024, 1)],
                "status": [one["status"], ten["status"]],
            }
        )
    return rows


def print_report(results: dict) -> None:
    scales = results["scales"]
    small, large = results["runs"][str(scales[0])], results["runs"][str(scales[1])]
    for run in (small, large):
        b = run["build"]
        print(
            f"{b['scale']}×: {b['organisations']} organisations, {b['units']} units, {b['users']} users; "
            f"report {b['report_id']}: {b['blocks']} blocks ({b['joint_blocks']} joint, {b['filled_blocks']} "
            f"written), {b['revisions']} revisions, {b['comments']} comment threads, states {b['states']} "
            f"(built in {b['build_seconds']} s)"
        )
    print(f"database: {results['database']}; CPU per request = median of {results['runs_per_page']} after warm-up")
    rows = []
    for row in results["comparison"]:
        rows.append(
            (
                row["page"],
                f"{row['cpu_ms'][0]:.1f}",
                f"{row['cpu_ms'][1]:.1f}",
                f"{row['cpu_ratio']}",
                f"{row['queries'][0]} / {row['queries'][1]}",
                f"{row['kb'][0]} / {row['kb'][1]}",
                "" if row["status"] == [200, 200] else f"status {row['status']}",
            )
        )
    header = (
        "page",
        f"CPU ms {scales[0]}×",
        f"CPU ms {scales[1]}×",
        "ratio",
        "queries",
        "kB",
        "",
    )
    common.print_table(rows, header)
    if small.get("render_memory"):
        print("draft PDF render in a child process (peak RSS):")
        memory_rows = []
        for run in (small, large):
            m = run["render_memory"] or {}
            if "error" in m:
                memory_rows.append((f"{run['build']['scale']}×", "failed: " + m["error"][-200:], "", "", ""))
                continue
            memory_rows.append(
                (
                    f"{run['build']['scale']}×",
                    f"{m['peak_mb']:.0f} MB (before the render {m['baseline_mb']:.0f} MB)",
                    f"{m['seconds']:.1f} s",
                    str(m["pages"] or "?"),
                    f"{m['rusage_children_max_mb']:.0f} MB",
                )
            )
        common.print_table(memory_rows, ("scale", "peak RSS", "time", "pages", "RUSAGE_CHILDREN max"))
    if small["block_history"]:
        print(f"block page by history ({scales[0]}×):")
        first = small["block_history"][0]["cpu_ms_median"]
        common.print_table(
            [
                (
                    str(h["revisions"]),
                    f"{h['cpu_ms_median']:.1f}",
                    f"{ratio(first, h['cpu_ms_median'])}",
                    str(h["queries"]),
                    f"{h['bytes'] / 1024:.1f}",
                )
                for h in small["block_history"]
            ],
            ("revisions", "CPU ms", "× 1 revision", "queries", "kB"),
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="the large partnership, times the demo (10)")
    parser.add_argument("--runs", type=int, default=15, help="measured requests per page (15)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured requests first (2)")
    parser.add_argument("--quick", action="store_true", help="5 runs, 1 warm-up")
    parser.add_argument("--no-history", dest="history", action="store_false", help="skip 1/101/501 revisions")
    parser.add_argument(
        "--render-memory", action="store_true", help="also the peak RSS of a draft PDF render (minutes at 10×)"
    )
    parser.add_argument("--render-child", nargs=2, metavar=("URL", "REPORT_ID"), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help="PostgreSQL: scratch databases are created beside this one")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of tables")
    parser.add_argument("--json-out", help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.warmup = 5, 1
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.environ.setdefault("SECRET_KEY", common.BENCH_SECRET_KEY)  # before webapp reads its config
    if args.render_child:
        print(json.dumps(render_child(args.render_child[0], int(args.render_child[1]))))
        return
    scales = [1, args.scale]
    runs = run_scales(scales, args)
    results = {
        "scales": scales,
        "database": "postgresql" if args.database_url else "sqlite",
        "runs_per_page": args.runs,
        "warmup": args.warmup,
        "runs": runs,
        "comparison": compare(runs["1"], runs[str(args.scale)]),
    }
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print_report(results)
    common.write_json(args.json_out, results)


if __name__ == "__main__":
    main()
