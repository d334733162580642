"""Scale-out: two web instances and two workers on one PostgreSQL and one Redis agree.

The module starts the real thing once: a scratch PostgreSQL database ``test_scaleout_<pid>``
(migrated with ``flask db upgrade``, the demo seeded, dropped at the end), two gunicorn instances
with deploy/gunicorn.conf.py on two free ports and two ``python -m webapp.worker`` processes,
all with one SECRET_KEY, the queue in Redis database 12 and the rate-limit counters in Redis
database 11 of 127.0.0.1:6379 (no other test uses either; both flushed before and after). The
tests then act as people do, over HTTP, with one cookie jar per person for both instances
(cookies do not care about ports, browsers neither): a session, a save, a render, presence,
notifications and the sign-in limits must agree across the instances.

The processes run in the suite's PostgreSQL pass only (TEST_DATABASE_URL set, as .ci/run does);
without PostgreSQL or Redis on 127.0.0.1 there the module is skipped, and with CI set it fails.

The last test needs no processes: on the suite's own database it runs the morning reminders
twice at once, as two workers' schedulers do (each consumer schedules every periodic task).
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from webapp.config import PROJECT_ROOT
from webapp.extensions import db
from webapp.models import Block, Notification, RenderJob, RenderKind, RenderState, Report, TemplateSection, Unit

DEMO_PASSWORD = "demo-iop-2026"
WRITER, WRITER_NAME = "skribent.stadsmissionen-natt@demo.iop", "Johan Bergström"
OTHER_WRITER, OTHER_WRITER_LABEL = "skribent.crossroads@demo.iop", "Anna Lindqvist (Crossroads)"
REVIEWER, REVIEWER_NAME = "granskare.fralsningsarmen@demo.iop", "Peter Lundgren"
LIMITED_ACCOUNT = "ordforande@demo.iop"  # signs in nowhere else here: its failures are this test's
OPEN_REPORT_ID = 2

QUEUE_REDIS = "redis://127.0.0.1:6379/12"
LIMITS_REDIS = "redis://127.0.0.1:6379/11"  # a database of its own, as the README advises
FAILURES_ALLOWED = 4
STARTUP_TIMEOUT = 45
RENDER_TIMEOUT = 60
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
BASE_VERSION = re.compile(r'name="base_version"[^>]*value="(\d+)"')


def _unavailable(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"no {what} (a failure when CI is set)")


def _postgresql_server() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flush_redis() -> None:
    import redis

    for url in (QUEUE_REDIS, LIMITS_REDIS):
        with redis.Redis.from_url(url, socket_connect_timeout=1) as client:
            client.flushdb()


# --- HTTP as a browser does it --------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer to look at, not to follow


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return " ".join(self.body.decode("utf-8", "replace").split())

    def csrf_token(self) -> str:
        found = CSRF.search(self.body.decode())
        assert found, f"no CSRF token in the page ({self.status})"
        return found.group(1)


class Browser:
    """One person's browser: one cookie jar, whichever instance it talks to."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects())

    def get(self, base: str, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self._open(urllib.request.Request(base + path, headers=headers or {}))

    def post(self, base: str, path: str, data: dict[str, str], headers: dict[str, str] | None = None) -> Answer:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(base + path, data=body, headers=headers or {}, method="POST"))

    def form_post(self, base: str, page: str, path: str, data: dict[str, str]) -> Answer:
        """POST with the CSRF token of ``page`` as that instance draws it."""
        return self.post(base, path, {**data, "csrf_token": self.get(base, page).csrf_token()})

    def sign_in(self, base: str, email: str, password: str = DEMO_PASSWORD) -> Answer:
        return self.form_post(base, "/login", "/login", {"email": email, "password": password, "next": ""})

    def _open(self, request: urllib.request.Request) -> Answer:
        try:
            with self._opener.open(request, timeout=30) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, dict(error.headers), error.read())


def _signed_in(base: str, email: str) -> Browser:
    browser = Browser()
    answer = browser.sign_in(base, email)
    assert answer.status == 302, (answer.status, answer.text[:500])
    return browser


# --- The cluster ---------------------------------------------------------------------------------


@dataclass
class Cluster:
    a: str  # base URLs of the two web instances
    b: str
    workers: list[subprocess.Popen]
    worker_logs: list[Path]
    engine: Engine

    def block_id(self, section_key: str, unit_key: str) -> int:
        with Session(self.engine) as session:
            return session.scalars(
                select(Block.id)
                .join(TemplateSection, TemplateSection.id == Block.section_id)
                .join(Unit, Unit.id == Block.unit_id)
                .where(
                    Block.report_id == OPEN_REPORT_ID,
                    TemplateSection.key == section_key,
                    Unit.key == unit_key,
                    Block.joint.is_(False),
                )
            ).one()

    def draft_jobs(self) -> list[RenderJob]:
        with Session(self.engine, expire_on_commit=False) as session:
            jobs = list(
                session.scalars(
                    select(RenderJob).where(RenderJob.report_id == OPEN_REPORT_ID, RenderJob.kind == RenderKind.DRAFT)
                )
            )
            session.expunge_all()
            return jobs


def _run_flask(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _signal_group(process: subprocess.Popen, sent: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sent)  # the process and all it started (render children too)
    except ProcessLookupError:
        pass


def _stop(processes: list[subprocess.Popen], workers: list[subprocess.Popen]) -> None:
    """Stop them all at once: SIGTERM lets gunicorn finish, SIGINT stops a worker at once (SIGTERM
    would give a render its grace period); whatever is left of a group after that is killed."""
    for process in processes:
        _signal_group(process, signal.SIGINT if process in workers else signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        _signal_group(process, signal.SIGKILL)
        process.wait(10)


def _wait_until_up(bases: list[str], worker_logs: list[Path], processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    waiting_web, waiting_workers = set(bases), set(worker_logs)
    while waiting_web or waiting_workers:
        for process in processes:
            assert process.poll() is None, f"{process.args} exited with {process.returncode}"
        for base in list(waiting_web):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        waiting_web.discard(base)
            except OSError:
                pass
        for log in list(waiting_workers):
            if "Huey consumer started" in log.read_text():
                waiting_workers.discard(log)
        assert time.monotonic() < deadline, f"not up within {STARTUP_TIMEOUT} s: {waiting_web} {waiting_workers}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        # The cluster is PostgreSQL whichever database the suite uses: once per CI run (its
        # PostgreSQL pass, which fails when PostgreSQL is missing) is enough for 30 s of processes.
        pytest.skip("runs in the PostgreSQL pass (TEST_DATABASE_URL=postgresql…)")
    if not _reachable("127.0.0.1", 6379):
        _unavailable("Redis on 127.0.0.1:6379")
    server = make_url(_postgresql_server())
    if not _reachable(server.host or "127.0.0.1", server.port or 5432):
        _unavailable(f"PostgreSQL on {server.host}:{server.port}")
    logs = tmp_path_factory.mktemp("scale-out")
    name = f"test_scaleout_{os.getpid()}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, poolclass=NullPool)
    processes: list[subprocess.Popen] = []
    ports = [_free_port(), _free_port()]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": f"scale-out-{os.getpid()}",  # the one thing every instance must agree on
        "HUEY_REDIS_URL": QUEUE_REDIS,
        "RATELIMIT_STORAGE_URI": LIMITS_REDIS,
        "LOGIN_FAILURES_PER_ACCOUNT": f"{FAILURES_ALLOWED} per 15 minutes",
        "IOP_DEMO": "0",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "text",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "GUNICORN_GRACEFUL_TIMEOUT": "3",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        _flush_redis()
        _run_flask(env, "db", "upgrade")
        _run_flask(env, "seed-demo")
        gunicorn = [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "wsgi:app"]
        for index, port in enumerate(ports):
            web_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
            processes.append(_start(gunicorn, web_env, logs / f"web-{index}.log"))
        worker_logs = [logs / f"worker-{index}.log" for index in range(2)]
        workers = [_start([sys.executable, "-m", "webapp.worker"], env, log) for log in worker_logs]
        processes.extend(workers)
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        _wait_until_up(bases, worker_logs, processes)
        yield Cluster(bases[0], bases[1], workers, worker_logs, engine)
    finally:
        _stop(processes, processes[2:])
        engine.dispose()
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            admin.dispose()
            _flush_redis()


# --- The tests -----------------------------------------------------------------------------------


def test_a_session_from_one_instance_works_on_the_other_and_saves_agree(cluster: Cluster):
    writer = _signed_in(cluster.a, WRITER)
    dashboard = writer.get(cluster.b, "/")
    assert dashboard.status == 200 and "Mina bidrag" in dashboard.text and WRITER_NAME in dashboard.text

    block_id = cluster.block_id("gem-klagomal", "stadsmissionen-natt")
    page_on_b = writer.get(cluster.b, f"/blocks/{block_id}")
    version = int(BASE_VERSION.search(page_on_b.body.decode()).group(1))  # type: ignore[union-attr]
    text = f"Sparat genom instans B ({time.time()})."
    saved = writer.post(
        cluster.b,
        f"/blocks/{block_id}/save",
        {"source": text, "base_version": str(version), "note": "", "csrf_token": page_on_b.csrf_token()},
    )
    assert saved.status == 302, saved.text[:500]

    page_on_a = writer.get(cluster.a, f"/blocks/{block_id}")
    assert text in page_on_a.text
    assert int(BASE_VERSION.search(page_on_a.body.decode()).group(1)) == version + 1  # type: ignore[union-attr]
    stale = writer.post(
        cluster.a,
        f"/blocks/{block_id}/save",
        {"source": "Från en gammal sida", "base_version": str(version), "csrf_token": page_on_a.csrf_token()},
    )
    assert stale.status == 409  # A knows the version B wrote: no silent overwrite


def test_a_draft_pdf_asked_for_on_both_instances_at_once_is_rendered_once(cluster: Cluster):
    writer = _signed_in(cluster.a, WRITER)
    page = f"/reports/{OPEN_REPORT_ID}/draft.pdf"
    tokens = {base: writer.get(base, page).csrf_token() for base in (cluster.a, cluster.b)}
    answers: dict[str, Answer] = {}
    together = threading.Barrier(2)

    def ask(base: str) -> None:
        together.wait()
        answers[base] = writer.post(base, f"/reports/{OPEN_REPORT_ID}/draft-pdf", {"csrf_token": tokens[base]})

    threads = [threading.Thread(target=ask, args=(base,)) for base in (cluster.a, cluster.b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    locations = {urllib.parse.urlsplit(answer.headers.get("Location", "")).path for answer in answers.values()}
    assert [answer.status for answer in answers.values()] == [302, 302] and len(locations) == 1, answers

    started, deadline = time.monotonic(), time.monotonic() + RENDER_TIMEOUT
    while (job := cluster.draft_jobs()[0]).state not in (RenderState.DONE, RenderState.FAILED):
        assert time.monotonic() < deadline, f"job still {job.state} ({job.stage!r})"
        time.sleep(0.1)
    print(f"draft PDF rendered {time.monotonic() - started:.1f} s after the two requests")
    assert job.state == RenderState.DONE, job.error
    assert len(cluster.draft_jobs()) == 1  # one job for the one content
    assert job.attempts == 1  # taken once: the lease's conditional UPDATE let one worker in

    renderer = [w for w in cluster.workers if job.worker_id.endswith(f":{w.pid}")]
    assert len(renderer) == 1, (job.worker_id, [w.pid for w in cluster.workers])
    renders = [log.read_text().count("Executing webapp.tasks.render_pdf_task") for log in cluster.worker_logs]
    assert sorted(renders) == [0, 1], renders  # one hand-over, to one worker; the other rendered nothing
    assert renders[cluster.workers.index(renderer[0])] == 1

    pdf_path = f"/reports/{OPEN_REPORT_ID}/renders/{job.id}.pdf"
    downloads = [writer.get(base, pdf_path) for base in (cluster.a, cluster.b)]
    for download in downloads:
        assert download.status == 200 and download.body.startswith(b"%PDF")
        assert hashlib.sha256(download.body).hexdigest() == job.sha256


def test_presence_on_one_instance_is_seen_on_the_other(cluster: Cluster):
    block_id = cluster.block_id("gem-klagomal", "crossroads")
    anna = _signed_in(cluster.a, OTHER_WRITER)
    johan = _signed_in(cluster.b, WRITER)
    live = f"/blocks/{block_id}/live"
    assert "redigerar" not in johan.get(cluster.b, live, {"HX-Request": "true"}).text

    editor = anna.get(cluster.a, f"/blocks/{block_id}")  # the editor heartbeats to its own instance
    beat = anna.post(
        cluster.a, f"/blocks/{block_id}/presence", {}, {"HX-Request": "true", "X-CSRFToken": editor.csrf_token()}
    )
    assert beat.status == 204
    assert f"{OTHER_WRITER_LABEL} redigerar" in johan.get(cluster.b, live, {"HX-Request": "true"}).text

    left = anna.post(cluster.a, f"/blocks/{block_id}/presence/leave", {"csrf_token": editor.csrf_token()})
    assert left.status == 204
    assert "redigerar" not in johan.get(cluster.b, live, {"HX-Request": "true"}).text


def test_a_comment_on_one_instance_notifies_the_writer_on_the_other(cluster: Cluster):
    block_id = cluster.block_id("gem-brukarundersokningar", "stadsmissionen-natt")
    writer = _signed_in(cluster.b, WRITER)
    before = writer.get(cluster.b, "/notifications").text.count(f"{REVIEWER_NAME} kommenterade")

    reviewer = _signed_in(cluster.a, REVIEWER)
    body = "Kan ni lägga till svarsfrekvensen?"
    commented = reviewer.form_post(cluster.a, f"/blocks/{block_id}", f"/blocks/{block_id}/comments", {"body": body})
    assert commented.status in (200, 302), commented.text[:500]

    notifications = writer.get(cluster.b, "/notifications").text
    assert notifications.count(f"{REVIEWER_NAME} kommenterade") == before + 1
    assert body in writer.get(cluster.b, f"/blocks/{block_id}").text


def test_failed_sign_ins_on_both_instances_count_against_one_limit(cluster: Cluster):
    attempts = []
    for attempt in range(FAILURES_ALLOWED + 2):
        base = (cluster.a, cluster.b)[attempt % 2]
        attempts.append(Browser().sign_in(base, LIMITED_ACCOUNT, "fel-lösenord").status)
    # Counted per instance, each would allow FAILURES_ALLOWED of its own: twice as many.
    assert attempts == [422] * FAILURES_ALLOWED + [429, 429]
    refused = Browser().sign_in(cluster.b, LIMITED_ACCOUNT)  # the right password waits too
    assert refused.status == 429 and "För många försök" in refused.text
    assert int(refused.headers["Retry-After"]) > 0


# --- Periodic tasks on every worker -------------------------------------------------------------


def test_two_workers_running_the_morning_reminders_at_once_remind_each_writer_once(app, demo):
    """Every worker's consumer schedules the periodic tasks, so with two workers the 07:00
    reminders run twice at the same moment. The second run must wait for the first to commit
    and then find its reminders, not read "none yet today" and write them all again."""
    from webapp.services.notifications import DEADLINE_KIND, deadline_reminders

    today = date.today()
    with app.app_context():
        db.session.get(Report, OPEN_REPORT_ID).deadline = today + timedelta(days=3)
        db.session.commit()
        db.session.remove()
    first_wrote, may_commit = threading.Event(), threading.Event()
    made: dict[str, list] = {}

    def run(name: str, hold: bool) -> None:
        with app.app_context():
            made[name] = [row.id for row in deadline_reminders(today)]
            db.session.flush()
            if hold:  # the first run has written, not yet committed
                first_wrote.set()
                may_commit.wait(10)
            db.session.commit()
            db.session.remove()

    first = threading.Thread(target=run, args=("first", True))
    first.start()
    assert first_wrote.wait(10)
    second = threading.Thread(target=run, args=("second", False))
    second.start()
    second.join(0.5)
    may_commit.set()
    first.join(15)
    second.join(15)
    assert made["first"] and made["second"] == []
    with app.app_context():
        pairs = db.session.execute(
            select(Notification.user_id, Notification.block_id).where(Notification.kind == DEADLINE_KIND)
        ).all()
        db.session.remove()
    assert len(pairs) == len(set(pairs)) == len(made["first"])
