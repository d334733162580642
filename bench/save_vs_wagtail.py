"""Block save against Wagtail 8's "Save draft", interleaved in one run (issue 16).

The peer is the one in ``../shared/peers/wagtail`` (README there): a fresh ``wagtail start``
project with production settings on SQLite, one page with a ~11 kB rich-text body, gunicorn
with 2 sync workers on 127.0.0.1, and ``wrk -t2 -c20 -d10s`` posting the page-edit form
("Save draft", 302) with a body that changes every request. This script sets that peer up
exactly as ``wagtail_save_bench.sh`` does (its files are read from ``--peers``, copied only
into the scratch directory under /tmp/peers), starts the app the same way (gunicorn, 2 sync
workers, a fresh demo SQLite database), and measures both:

(a) one request at a time, ``--seq`` iterations, interleaved per iteration (ours, Wagtail's),
    a new connection per request, like ``bench_client.py seq``: p50/p95.
(b) wrk, ``--rounds`` rounds of ``--duration`` s, ours then Wagtail's in every round, the
    same wrk command; ours with ``bench/wrk/iop_save.lua``: every connection saves a block of
    its own (a signed-in writer's, with her cookie and CSRF token) with a unique ~10 kB text
    and the version the block is at, so no save conflicts by construction; a 409 would count
    as a failure.

Printed: medians, per-round ratios (our p50 ÷ Wagtail's p50, our req/s ÷ Wagtail's), status
classes, the server CPU per save, and revisions written against the 302s counted (wrk stops
with up to one request per connection in flight, which the server still saves).

    .venv/bin/python bench/save_vs_wagtail.py [--peers DIR] [--rounds 3] [--duration 10] [--seq 200]

Needs network access once (PyPI for the peer's venv, Debian's apt for wrk) and root for apt.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from save_throughput import assign_blocks  # noqa: E402

BAR = 0.20  # our save median ≤ 0.20 × Wagtail's (issue 16)
PEER_FILES = ("wagtail_save_bench.sh", "wagtail_setup.py", "bench_client.py", "save.lua")
OUR_LUA = common.BENCH_DIR / "wrk" / "iop_save.lua"
MARK = "@@REV@@"
SEQ_NOTE, WRK_NOTE = "bench-seq", "bench-wrk"


def say(message: str) -> None:
    print(message, flush=True)


def run(command: list[str], **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, command))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --------------------------------------------------------------------------- tools and the peer


def ensure_wrk() -> str | None:
    """wrk from Debian (as the peer's script installs it); None when it cannot be had."""
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: apt-get install wrk")
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk")


def ensure_venv(venv: Path, spec: str) -> None:
    if (venv / "bin" / "wagtail").exists() and (venv / "bin" / "gunicorn").exists():
        return
    say(f"creating {venv}: pip install {spec} gunicorn (a few minutes)")
    run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "pip"), "install", "-q", spec, "gunicorn"])


def build_wagtail_site(peer: Path, venv: Path, work: Path) -> tuple[Path, int, dict[str, str]]:
    """``wagtail_save_bench.sh`` up to the servers: the project, its page; (site, page id, env)."""
    site = work / "site"
    shutil.rmtree(work, ignore_errors=True)
    site.mkdir(parents=True)
    (work / "out").mkdir()
    for pattern in ("*.py", "*.lua"):
        for path in peer.glob(pattern):
            shutil.copy(path, site / path.name)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "SQLITE_MODE": "default"}
    python = str(venv / "bin" / "python")
    run([str(venv / "bin" / "wagtail"), "start", "benchsite", "."], cwd=site, env=env)
    run([python, "wagtail_setup.py", "patch"], cwd=site, env=env)
    env["DJANGO_SETTINGS_MODULE"] = "benchsite.settings.bench"
    for step in (["makemigrations", "home"], ["migrate"], ["collectstatic", "--noinput"]):
        run([python, "manage.py", *step, "-v0"], cwd=site, env=env)
    page_id = int(run([python, "wagtail_setup.py", "page"], cwd=site, env=env).split()[0])
    return site, page_id, env


@contextlib.contextmanager
def wagtail_server(venv: Path, site: Path, env: dict[str, str]):
    gunicorn = str(venv / "bin" / "gunicorn")
    port = common.free_port()
    command = [gunicorn, "--workers", "2", "--worker-class", "sync"]
    # gunicorn >= 27 opens a control socket in ~/.gunicorn (as in the peer's script)
    if "--no-control-socket" in subprocess.run([gunicorn, "--help"], capture_output=True, text=True).stdout:
        command.append("--no-control-socket")
    command += ["--bind", f"{common.HOST}:{port}", "benchsite.wsgi:application"]
    log_path = site.parent / "gunicorn-wagtail.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=site, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        common.wait_for_health(port, process, timeout=60, path="/bench-ok/")
        yield common.Server(process, port, log_path, command)
    finally:
        common.stop_process(process)


def load_bench_client(peer: Path):
    """The peer's own client module (stdlib only), so its save request is exactly the peer's."""
    sys.dont_write_bytecode = True  # keep the peers folder free of __pycache__
    sys.path.insert(0, str(peer))
    try:
        return importlib.import_module("bench_client")
    finally:
        sys.path.remove(str(peer))


def wagtail_revisions(site: Path) -> int:
    with contextlib.closing(sqlite3.connect(site / "db.sqlite3", timeout=30)) as connection:
        return connection.execute("SELECT count(*) FROM wagtailcore_revision").fetchone()[0]


# --------------------------------------------------------------------------- our side


def our_text(chars: int) -> tuple[str, str, str]:
    """~``chars`` of report Markdown with a marker; (text, urlencoded head, urlencoded tail)."""
    text = common.prose(chars // 6, seed=16, paragraph_words=90)[:chars]
    marked = f"{MARK} {text}"  # each request puts a unique word where the marker is
    head, tail = quote_plus(marked).split(quote_plus(MARK))
    return marked, head, tail


class OurSessions:
    """One signed-in session per block: cookie, CSRF token, the writer's email."""

    def __init__(self, database: common.BenchDatabase, port: int, blocks: int, prime_text: str) -> None:
        self.database, self.port = database, port
        self.blocks: list[dict] = []
        for spec in assign_blocks(database, blocks):
            client = common.HttpClient(port)
            common.sign_in(client, spec.email)
            status, html, _ = client.request("GET", f"/blocks/{spec.block_id}")
            if status != 200:
                raise RuntimeError(f"GET /blocks/{spec.block_id} as {spec.email} answered {status}")
            token = common.find_csrf_token(html)
            # One save first, so the block has text as Wagtail's page has a body (and, before
            # fada4eb, the first save of an empty block moved its version by 2).
            form = {"csrf_token": token, "base_version": common.find_base_version(html), "note": "bench-prime"}
            status, _, _ = client.request("POST", f"/blocks/{spec.block_id}/save", {**form, "source": prime_text})
            if status != 302:
                raise RuntimeError(f"the first save of block {spec.block_id} answered {status}")
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            self.blocks.append({"id": spec.block_id, "email": spec.email, "cookie": cookie, "csrf": token})
            client.close()

    def versions(self) -> dict[int, int]:
        ids = [b["id"] for b in self.blocks]
        with contextlib.closing(self.database.connect()) as connection:
            rows = connection.execute(
                f"SELECT id, version FROM blocks WHERE id IN ({','.join('?' * len(ids))})", ids
            ).fetchall()
        return {row["id"]: row["version"] for row in rows}

    def revisions(self, note: str) -> int:
        with contextlib.closing(self.database.connect()) as connection:
            return connection.execute("SELECT count(*) FROM revisions WHERE note = ?", (note,)).fetchone()[0]

    def write_params(self, path: Path, head: str, tail: str) -> None:
        """The wrk script's parameters, with every block's version as the database has it now."""
        versions = self.versions()
        rows = [
            f"  {{id={b['id']}, version={versions[b['id']]}, cookie=[==[{b['cookie']}]==], "
            f"csrf=[==[{quote_plus(b['csrf'])}]==]}},"
            for b in self.blocks
        ]
        path.write_text(
            "iop_blocks = {\n" + "\n".join(rows) + "\n}\n"
            f"iop_head = [==[{head}]==]\niop_tail = [==[{tail}]==]\niop_note = [==[{WRK_NOTE}]==]\n"
        )


def timed(port: int, method: str, path: str, body: str, headers: dict[str, str]) -> tuple[float, int, dict, bytes]:
    """One request on a new connection (as bench_client.timed): ms, status, headers, body."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(common.HOST, port, timeout=60)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return (time.perf_counter() - started) * 1000.0, response.status, dict(response.getheaders()), data


class OurSequentialSaver:
    """Saves of one block, one at a time, the version tracked from the answers."""

    def __init__(self, sessions: OurSessions, head: str, tail: str, user_agent: str) -> None:
        self.block = sessions.blocks[0]
        self.version = sessions.versions()[self.block["id"]]
        self.port, self.head, self.tail = sessions.port, head, tail
        self.headers = {
            "User-Agent": user_agent,
            "Cookie": self.block["cookie"],
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        }

    def save(self, marker: str) -> tuple[float, int]:
        body = urlencode({"csrf_token": self.block["csrf"], "base_version": self.version, "note": SEQ_NOTE})
        body += "&source=" + self.head + quote_plus(marker) + self.tail
        elapsed, status, _, data = timed(self.port, "POST", f"/blocks/{self.block['id']}/save", body, self.headers)
        if status == 302:
            self.version += 1
        elif status == 409:
            with contextlib.suppress(RuntimeError):
                self.version = common.find_base_version(data.decode("utf-8", "replace"))
        return elapsed, status


# --------------------------------------------------------------------------- wrk


RESULT_LINE = re.compile(r"RESULT (.*)")


def run_wrk(
    wrk: str, url: str, script: Path, *, conns: int, threads: int, duration: float, cwd: Path, args: list[str]
) -> dict[str, float]:
    command = [
        wrk,
        f"-t{threads}",
        f"-c{conns}",
        f"-d{duration:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    if args:
        command += ["--", *args]
    output = run(command, cwd=cwd)
    match = RESULT_LINE.search(output)
    if not match:
        raise RuntimeError(f"no RESULT line from wrk:\n{output}")
    result = {key: float(value) for key, value in (pair.split("=") for pair in match.group(1).split())}
    result.setdefault("s409", 0.0)
    result["socket_errors"] = sum(result[k] for k in ("err_connect", "err_read", "err_write", "err_timeout"))
    result["failures"] = result["sother"] + result["s409"] + result["socket_errors"]
    result["ok"] = result["s2xx"] + result["s3xx"]
    return result


def measured(server_pid: int, action):
    """``action()`` with the server's CPU (the gunicorn tree) and the machine's busy share around it."""
    cpu_before = common.process_tree_cpu_seconds(server_pid)
    busy_before, total_before = common.system_cpu_busy()
    started = time.monotonic()
    result = action()
    elapsed = time.monotonic() - started
    busy_after, total_after = common.system_cpu_busy()
    result["server_cpu_s"] = common.process_tree_cpu_seconds(server_pid) - cpu_before
    cores = os.cpu_count() or 1
    result["machine_busy_cores"] = (
        (busy_after - busy_before) / (total_after - total_before) * cores if total_after > total_before else 0.0
    )
    result["server_cores"] = result["server_cpu_s"] / elapsed if elapsed else 0.0
    return result


# --------------------------------------------------------------------------- the run


def run_bench(args: argparse.Namespace) -> dict | None:
    peer = Path(args.peers).resolve() / "wagtail"
    missing = [name for name in PEER_FILES if not (peer / name).exists()]
    if missing:
        say(f"The peer benchmark is not there: {peer} lacks {', '.join(missing)}.")
        say("Point --peers at the folder that holds wagtail/ (see ../shared/peers/README.md). Nothing was measured.")
        return None
    wrk = ensure_wrk()
    if wrk is None:
        say("wrk is not installed and apt-get could not install it (needs root and Debian). Nothing was measured.")
        return None
    results: dict = {"load_before": load_average(), "settings": vars(args).copy()}
    say(f"load average before: {results['load_before']}")
    venv, work = Path(args.venv), Path(args.work)
    ensure_venv(venv, args.wagtail_spec)
    say("setting up the Wagtail project (wagtail start, migrate, collectstatic, the page)")
    site, page_id, wagtail_env = build_wagtail_site(peer, venv, work)
    bench_client = load_bench_client(peer)
    versions = run([str(venv / "bin" / "pip"), "freeze"])
    results["versions"] = {
        "peer": " ".join(line for line in versions.splitlines() if re.match(r"(?i)(wagtail|django|gunicorn)==", line)),
        "wrk": _wrk_version(wrk),
    }
    text, head, tail = our_text(args.chars)
    scratch = Path(tempfile.mkdtemp(prefix="iop-save-vs-wagtail-"))
    try:
        with (
            common.fresh_database() as database,
            common.gunicorn("wsgi:app", database.env(), workers=2, worker_class="sync", log_dir=scratch) as ours,
            wagtail_server(venv, site, wagtail_env) as theirs,
        ):
            wagtail_hp = f"{common.HOST}:{theirs.port}"
            out = work / "out"
            run(
                [str(venv / "bin" / "python"), "bench_client.py", "prepare", wagtail_hp, str(page_id), str(out)],
                cwd=site,
                env=wagtail_env,
            )
            shutil.copy(out / "save_params.lua", site / "save_params.lua")
            session = json_load(out / "session.json")
            sessions = OurSessions(database, ours.port, max(args.conns, args.blocks), text)
            results["bodies"] = {
                "ours_text_chars": len(text),
                "ours_post_bytes": len(head) + len(tail) + 200,
                "wagtail_text_chars": session["text_chars"],
                "wagtail_post_bytes": session["post_bytes"],
                "our_blocks": [(b["id"], b["email"]) for b in sessions.blocks],
            }
            results["sequential"] = sequential(args, bench_client, session, wagtail_hp, sessions, head, tail, site)
            results["wrk"] = wrk_rounds(args, wrk, ours, theirs, sessions, site, scratch, head, tail)
            results["wagtail_log_errors"] = len(
                re.findall(r"(?i)error|exception|locked", theirs.log_path.read_text(errors="replace"))
            )
            results["our_log_errors"] = len(
                re.findall(r"(?i)traceback|database is locked", ours.log_path.read_text(errors="replace"))
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["load_after"] = load_average()
    return results


def _wrk_version(wrk: str) -> str:
    result = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    return (result.stdout + result.stderr).splitlines()[0][:40]


def json_load(path: Path) -> dict:
    import json

    return json.loads(path.read_text())


def sequential(args, bench_client, session: dict, wagtail_hp: str, sessions: OurSessions, head, tail, site) -> dict:
    """(a) one request at a time, interleaved per iteration, a new connection each (the peer's way)."""
    wagtail_headers = {
        "User-Agent": bench_client.UA,
        "Cookie": session["cookie"],
        "X-CSRFToken": session["csrftoken"],
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": bench_client.ACCEPT_HTML,
    }
    ours = OurSequentialSaver(sessions, head, tail, bench_client.UA)

    def wagtail_save(marker: str) -> tuple[float, int]:
        body = session["head"] + quote_plus(marker) + session["tail"]
        return bench_client.timed(wagtail_hp, "POST", session["path"], body, wagtail_headers)

    for index in range(5):  # warm-up, as the peer's script does
        ours.save(f"warm{index}-{time.time_ns()}")
        wagtail_save(f"warm{index}-{time.time_ns()}")
    say(f"(a) sequential: {args.seq} iterations, ours / Wagtail's interleaved")
    ours_before, wagtail_before = sessions.revisions(SEQ_NOTE), wagtail_revisions(site)
    times: dict[str, list[float]] = {"ours": [], "wagtail": []}
    codes: dict[str, dict[int, int]] = {"ours": {}, "wagtail": {}}
    for index in range(args.seq):
        for name, save in (("ours", ours.save), ("wagtail", wagtail_save)):
            elapsed, status = save(f"seq{index}-{time.time_ns()}")
            times[name].append(elapsed)
            codes[name][status] = codes[name].get(status, 0) + 1
    pairs = [a / b for a, b in zip(times["ours"], times["wagtail"], strict=True)]
    return {
        "times_ms": times,
        "codes": codes,
        "pair_ratio_median": statistics.median(pairs),
        "revisions": {
            "ours": sessions.revisions(SEQ_NOTE) - ours_before,
            "wagtail": wagtail_revisions(site) - wagtail_before,
        },
    }


def wrk_rounds(args, wrk, ours, theirs, sessions: OurSessions, site: Path, scratch: Path, head, tail) -> dict:
    """(b) wrk rounds: ours, Wagtail's, ours, Wagtail's, ..."""
    rounds: list[dict] = []
    ours_before, wagtail_before = sessions.revisions(WRK_NOTE), wagtail_revisions(site)
    params = scratch / "iop_params.lua"
    for number in range(1, args.rounds + 1):
        row: dict = {"round": number}
        time.sleep(1.0)  # the other server's in-flight requests finish
        sessions.write_params(params, head, tail)
        say(f"(b) round {number}: ours")
        row["ours"] = measured(
            ours.process.pid,
            lambda: run_wrk(
                wrk,
                f"http://{common.HOST}:{ours.port}/",
                OUR_LUA,
                conns=args.conns,
                threads=args.threads,
                duration=args.duration,
                cwd=scratch,
                args=[str(params), str(args.threads), f"r{number}-{time.time_ns()}"],
            ),
        )
        time.sleep(1.0)
        say(f"(b) round {number}: Wagtail")
        row["wagtail"] = measured(
            theirs.process.pid,
            lambda: run_wrk(
                wrk,
                f"http://{common.HOST}:{theirs.port}/",
                site / "save.lua",
                conns=args.conns,
                threads=args.threads,
                duration=args.duration,
                cwd=site,
                args=[],
            ),
        )
        rounds.append(row)
    time.sleep(2.0)  # the last in-flight saves land
    return {
        "rounds": rounds,
        "revisions": {
            "ours": sessions.revisions(WRK_NOTE) - ours_before,
            "wagtail": wagtail_revisions(site) - wagtail_before,
        },
    }


# --------------------------------------------------------------------------- where our save's time goes

PROFILE_GROUPS = (
    ("markdown (pyromark, nh3)", ("webapp/content", "pyromark", "nh3")),
    ("saving service", ("webapp/services/blocks/saving",)),
    ("audit", ("webapp/services/audit",)),
    ("permissions", ("webapp/permissions",)),
    ("user loader, sign-in session", ("webapp/auth", "flask_login", "webapp/services/accounts")),
    ("forms, CSRF", ("wtforms", "flask_wtf")),
    ("views (blocks)", ("webapp/views",)),
    ("SQLAlchemy ORM", ("sqlalchemy/orm",)),
    ("SQLAlchemy core, engine", ("sqlalchemy/",)),
    ("sqlite3 driver", ("sqlite3", "method 'execute' of 'sqlite3", "method 'commit' of 'sqlite3")),
    ("Flask, Werkzeug, sessions", ("flask/", "werkzeug", "itsdangerous", "flask_")),
    ("other webapp", ("webapp/",)),
)


def profile_saves(count: int, chars: int, top: int) -> None:
    """``count`` saves of one block through the Flask test client under cProfile, a fresh demo
    database, the same ~10 kB text with a unique word, as the wrk phase posts it."""
    import cProfile
    import pstats

    text = common.prose(chars // 6, seed=16, paragraph_words=90)[:chars]
    with common.fresh_database() as database:
        from webapp import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": common.BENCH_SECRET_KEY})
        spec = assign_blocks(database, 1)[0]
        client = app.test_client()
        token = common.find_csrf_token(client.get("/login").get_data(as_text=True))
        answer = client.post(
            "/login", data={"email": spec.email, "password": common.DEMO_PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 302, answer.status_code
        page = client.get(f"/blocks/{spec.block_id}").get_data(as_text=True)
        state = {"token": common.find_csrf_token(page), "version": common.find_base_version(page)}

        head = "&source=" + quote_plus(text)

        def save(index: int) -> float:
            # encoded here, so the test client's own urlencoding is not in the profile
            form = urlencode({"csrf_token": state["token"], "base_version": state["version"], "note": "profile"})
            body = (form + head.replace("=", f"=p{index}-{time.time_ns()}+", 1)).encode()
            started = time.process_time()  # CPU: the machine's other load does not count
            answer = client.post(
                f"/blocks/{spec.block_id}/save", data=body, content_type="application/x-www-form-urlencoded"
            )
            elapsed = time.process_time() - started
            if answer.status_code == 302:
                state["version"] += 1
            elif answer.status_code == 409:
                state["version"] = common.find_base_version(answer.get_data(as_text=True))
            else:
                raise RuntimeError(f"save answered {answer.status_code}")
            return elapsed

        for index in range(10):  # the first save of an empty block, caches, compiled statements
            save(-index)
        plain = [save(index) for index in range(count)]
        statements: list[str] = []

        def remember(_conn, _cursor, statement, *_args) -> None:
            statements.append(" ".join(statement.split())[:110])

        from sqlalchemy import event

        from webapp.extensions import db

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", remember)
        save(-100)
        event.remove(engine, "before_cursor_execute", remember)
        # Only the app's side: the profiler runs inside the WSGI call, not in the test client.
        profiler = cProfile.Profile(time.process_time)  # CPU time: other processes on the machine do not count
        inner = app.wsgi_app

        def profiled(environ, start_response):
            profiler.enable()
            try:
                return list(inner(environ, start_response))
            finally:
                profiler.disable()

        app.wsgi_app = profiled  # type: ignore[method-assign]
        for index in range(count):
            save(count + index)
        app.wsgi_app = inner  # type: ignore[method-assign]
    stats = pstats.Stats(profiler)
    total = sum(entry[2] for entry in stats.stats.values())  # tottime over all functions
    groups: dict[str, float] = {}
    for (filename, _, name), entry in stats.stats.items():
        where = f"{filename} {name}"
        label = next((g for g, keys in PROFILE_GROUPS if any(k in where for k in keys)), "other (stdlib, ...)")
        groups[label] = groups.get(label, 0.0) + entry[2]
    print(
        f"\nour save under the Flask test client: {count} saves, "
        f"median {common.median(plain) * 1000:.2f} ms CPU each unprofiled"
    )
    print(f"CPU time by area (own time of the functions, {total / count * 1000:.2f} ms per save under cProfile):")
    for label, seconds in sorted(groups.items(), key=lambda item: -item[1]):
        print(f"  {label:<32} {seconds / count * 1000:7.2f} ms  {seconds / total:6.1%}")
    print(f"\nSQL statements of one save ({len(statements)}):")
    for statement in statements:
        print(f"  {statement}")
    print(f"\ntop {top} by cumulative time:")
    stats.sort_stats("cumulative").print_stats(top)
    print(f"top {top} by own time:")
    stats.sort_stats("tottime").print_stats(top)


# --------------------------------------------------------------------------- the report


def report(results: dict, args: argparse.Namespace) -> None:
    bodies, seq, wrk = results["bodies"], results["sequential"], results["wrk"]
    print()
    say(f"== save vs Wagtail 'Save draft' ({os.cpu_count()} cores, gunicorn -w 2 sync both, SQLite)")
    say(f"   peer: {results['versions']['peer']}; {results['versions']['wrk']}")
    say(
        f"   ours: POST /blocks/<id>/save, text {bodies['ours_text_chars']} chars, "
        f"~{bodies['ours_post_bytes']} B urlencoded, {len(bodies['our_blocks'])} blocks (one session each)"
    )
    say(f"   Wagtail: text {bodies['wagtail_text_chars']} chars, ~{bodies['wagtail_post_bytes']} B urlencoded")
    say(f"   load average: before {results['load_before']}, after {results['load_after']}")

    times = seq["times_ms"]
    print()
    say(f"(a) one request at a time, {len(times['ours'])} iterations interleaved (ms, new connection each)")
    rows = []
    for name in ("ours", "wagtail"):
        xs = times[name]
        rows.append(
            (
                name,
                f"{common.percentile(xs, 50):.2f}",
                f"{common.percentile(xs, 95):.2f}",
                f"{statistics.mean(xs):.2f}",
                str(dict(sorted(seq["codes"][name].items()))),
                str(seq["revisions"][name]),
            )
        )
    common.print_table(rows, header=("save", "p50", "p95", "mean", "status codes", "revisions written"))
    p50_ratio = common.percentile(times["ours"], 50) / common.percentile(times["wagtail"], 50)
    say(
        f"  ours ÷ Wagtail: p50 {p50_ratio:.3f}×, p95 "
        f"{common.percentile(times['ours'], 95) / common.percentile(times['wagtail'], 95):.3f}×, "
        f"median of per-pair ratios {seq['pair_ratio_median']:.3f}×"
    )
    ok = seq["codes"]["ours"].get(302, 0)
    say(f"  our revisions written {seq['revisions']['ours']} = 302s {ok}: {seq['revisions']['ours'] == ok}")

    print()
    say(f"(b) wrk -t{args.threads} -c{args.conns} -d{args.duration:g}s, rounds interleaved (ours, Wagtail's)")
    rows = []
    for row in wrk["rounds"]:
        for name in ("ours", "wagtail"):
            d = row[name]
            rows.append(
                (
                    str(row["round"]),
                    name,
                    f"{d['rps']:.1f}",
                    f"{d['p50_ms']:.1f}",
                    f"{d['p95_ms']:.1f}",
                    f"{d['p99_ms']:.1f}",
                    f"{d['s2xx']:.0f}",
                    f"{d['s3xx']:.0f}",
                    f"{d['s409']:.0f}",
                    f"{d['sother']:.0f}",
                    f"{d['socket_errors']:.0f}",
                    f"{d['server_cpu_s'] * 1000 / max(d['ok'], 1):.1f}",
                    f"{d['server_cores']:.2f}",
                    f"{d['machine_busy_cores']:.2f}",
                )
            )
    common.print_table(
        rows,
        header=(
            "round",
            "save",
            "req/s",
            "p50",
            "p95",
            "p99",
            "2xx",
            "3xx",
            "409",
            "other",
            "sock err",
            "server CPU ms/save",
            "server cores",
            "machine cores",
        ),
    )
    lat = [r["ours"]["p50_ms"] / r["wagtail"]["p50_ms"] for r in wrk["rounds"]]
    thr = [r["ours"]["rps"] / r["wagtail"]["rps"] for r in wrk["rounds"]]
    cpu = [
        (r["ours"]["server_cpu_s"] / max(r["ours"]["ok"], 1))
        / (r["wagtail"]["server_cpu_s"] / max(r["wagtail"]["ok"], 1))
        for r in wrk["rounds"]
    ]
    for label, values in (
        ("our p50 ÷ Wagtail's p50", lat),
        ("our req/s ÷ Wagtail's req/s", thr),
        ("server CPU per save, ours ÷ Wagtail's", cpu),
    ):
        say(f"  per round, {label}: {', '.join(f'{x:.3f}' for x in values)}  median {statistics.median(values):.3f}×")
    medians = {
        name: {
            key: statistics.median(r[name][key] for r in wrk["rounds"]) for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
        }
        for name in ("ours", "wagtail")
    }
    for name, m in medians.items():
        say(f"  median over rounds, {name:<8} {m['rps']:.1f} req/s, p50 {m['p50_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms")
    failures = {name: sum(r[name]["failures"] for r in wrk["rounds"]) for name in ("ours", "wagtail")}
    say(
        f"  failures (409, other non-2xx/3xx, socket errors): ours {failures['ours']:.0f}, "
        f"Wagtail {failures['wagtail']:.0f}"
    )
    reused = sum(r["ours"].get("reused", 0) for r in wrk["rounds"])
    if reused:
        say(f"  note: {reused:.0f} of our requests reused a block whose answer never came (a socket error)")
    in_flight = args.conns * args.rounds
    for name, counted in (
        ("ours", sum(r["ours"]["s3xx"] for r in wrk["rounds"])),
        ("wagtail", sum(r["wagtail"]["s3xx"] for r in wrk["rounds"])),
    ):
        written = wrk["revisions"][name]
        verdict = "consistent" if counted <= written <= counted + in_flight else "NOT consistent"
        say(
            f"  {name}: revisions written {written}, 302s counted {counted:.0f} "
            f"(+ up to {in_flight} in flight when wrk stopped): {verdict}"
        )
    say(
        f"  gunicorn log lines: Wagtail error|exception|locked {results['wagtail_log_errors']}, "
        f"ours traceback|locked {results['our_log_errors']}"
    )
    ratio = statistics.median(lat)
    verdict = "within bar" if ratio <= BAR else "not within bar"
    say(
        f"\nbar: our save median ≤ {BAR:.2f}× Wagtail's (wrk p50, median of per-round ratios): {ratio:.3f}× — {verdict}"
    )
    say(f"     one at a time (p50 ratio): {p50_ratio:.3f}× — {'within bar' if p50_ratio <= BAR else 'not within bar'}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--peers",
        default=str(common.PROJECT_ROOT.parent / "shared" / "peers"),
        help="the peer benchmarks' folder (holds wagtail/); default ../shared/peers beside the repository",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--conns", type=int, default=20, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--blocks", type=int, default=20, help="our blocks (≥ connections; one session each)")
    parser.add_argument("--seq", type=int, default=200, help="sequential iterations")
    parser.add_argument("--chars", type=int, default=10_000, help="characters in our saved text")
    parser.add_argument("--venv", default="/tmp/peers/wagtail-venv")
    parser.add_argument("--work", default="/tmp/peers/save-vs-wagtail", help="the Wagtail project (recreated)")
    parser.add_argument("--wagtail-spec", default="wagtail==8.*")
    parser.add_argument("--json-out", help="write the figures as JSON to this file")
    parser.add_argument(
        "--profile", type=int, metavar="N", help="instead: N saves under cProfile (Flask test client), time by area"
    )
    parser.add_argument("--profile-top", type=int, default=40, help="with --profile: how many functions to list")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.profile:
        profile_saves(args.profile, args.chars, args.profile_top)
        return
    results = run_bench(args)
    if results is None:
        return
    report(results, args)
    common.write_json(args.json_out, results)


if __name__ == "__main__":
    main()
