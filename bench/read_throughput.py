"""Read throughput of the report overview and the block page, beside a bare Flask endpoint (issue 16).

20 concurrent clients, each signed in (GET /login for the CSRF token, POST /login) as a demo
user — the writer ``skribent.<unit>@demo.iop`` of each unit, and the admin — GET the overview of
the open report (``/reports/2``) and the block page of a block of their own unit
(``/blocks/<id>``), against ``bench/bare_read_app.py`` (``GET /ok`` answering "ok": no session,
no database, no template) on the same gunicorn settings (bench/common.py). The three loads
alternate in rounds (overview, block, bare, then bare, block, overview, …), only one under load
at a time, as in bench/save_throughput.py.

Figures per endpoint: requests/s, p50/p95/p99 latency, answers other than 200, the CPU of the
clients, of the server (gunicorn master and workers, from /proc) and of the machine; the ratio
page/bare of requests/s (the bar: ≥ 0.10) and the server CPU per request with its ratio
bare/page (what the throughput ratio would be if both had the same CPU).

    .venv/bin/python bench/read_throughput.py                      # SQLite, ~50 s
    .venv/bin/python bench/read_throughput.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

With ``--database-url`` a scratch database is created beside the one the URL names (which is
only connected to, to create and drop it), migrated and seeded with the demo, and dropped at
the end. Without it, a SQLite file in a temporary directory (bench/common.py).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

READ_BAR = 0.10
KINDS = ("overview", "block", "bare")
PAGE_KINDS = ("overview", "block")


@dataclass(frozen=True)
class ClientSpec:
    index: int
    email: str
    block_id: int


# --------------------------------------------------------------------------- the database


def psycopg_url(url: str) -> str:
    """postgres:// and postgresql:// through psycopg 3, as the app does (webapp.config)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextlib.contextmanager
def demo_database(server_url: str | None) -> Iterator[tuple[str, Path]]:
    """(URL, temp dir) of a new database migrated and seeded with the demo; removed afterwards.

    SQLite: a file in the temp dir. PostgreSQL: a database beside ``server_url``'s, dropped with
    FORCE at the end (the servers are stopped by then)."""
    directory = Path(tempfile.mkdtemp(prefix="iop-read-"))
    admin_engine = None
    name = ""
    try:
        if server_url:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            url = make_url(psycopg_url(server_url))
            name = f"iop_read_{uuid.uuid4().hex[:8]}"
            admin_engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin_engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            database_url = url.set(database=name).render_as_string(hide_password=False)
        else:
            database_url = f"sqlite:///{directory / 'iop-read.sqlite'}"
        flask = str(common.VENV_BIN / "flask") if (common.VENV_BIN / "flask").exists() else "flask"
        env = common.bench_env(database_url)
        common._run([flask, "--app", "wsgi", "db", "upgrade"], env)
        common._run([flask, "--app", "wsgi", "seed-demo"], common.bench_env(database_url, IOP_DEMO="1"))
        yield database_url, directory
    finally:
        if admin_engine is not None:
            from sqlalchemy import text

            with admin_engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin_engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)


def assign_clients(database_url: str, clients: int, report_id: int) -> list[ClientSpec]:
    """Round-robin over the writers (each on a block of their own unit) and the admin (any block)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(psycopg_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    """
                    SELECT u.email AS email, b.id AS block_id
                    FROM users u
                    JOIN unit_memberships m ON m.user_id = u.id
                    JOIN user_roles r ON r.user_id = u.id AND r.role = 'writer'
                    JOIN blocks b ON b.unit_id = m.unit_id AND b.report_id = :report
                    WHERE u.email LIKE 'skribent.%@demo.iop'
                    ORDER BY u.email, b.id
                    """
                ),
                {"report": report_id},
            ).all()
            everything = list(
                connection.execute(
                    text("SELECT id FROM blocks WHERE report_id = :report ORDER BY id"), {"report": report_id}
                ).scalars()
            )
    finally:
        engine.dispose()
    blocks: dict[str, list[int]] = {}
    for email, block_id in rows:
        blocks.setdefault(email, []).append(block_id)
    blocks[common.ADMIN_EMAIL] = everything
    users = [common.ADMIN_EMAIL, *sorted(e for e in blocks if e != common.ADMIN_EMAIL)]
    specs = []
    for index in range(clients):
        email = users[index % len(users)]
        own = blocks[email]
        specs.append(ClientSpec(index, email, own[(index // len(users) * 7) % len(own)]))
    return specs


# --------------------------------------------------------------------------- the load, in child processes


@dataclass(frozen=True)
class Phase:
    kind: str  # "overview", "block" or "bare"
    start: float  # seconds after the common start: load begins
    measure: float  # measuring begins (after the settling time)
    end: float  # load and measuring end


def make_schedule(rounds: int, measure: float, settle: float, first_settle: float) -> list[Phase]:
    """Alternating phases (overview, block, bare, then bare, block, overview, …), so drifting
    background load hits every endpoint alike."""
    kinds: list[str] = []
    for n in range(rounds):
        kinds += list(KINDS) if n % 2 == 0 else list(reversed(KINDS))
    phases, t, seen = [], 0.0, set()
    for kind in kinds:
        lead = settle if kind in seen else first_settle
        seen.add(kind)
        phases.append(Phase(kind, t, t + lead, t + lead + measure))
        t += lead + measure
    return phases


def _client_process(
    ports: dict[str, int],
    report_id: int,
    specs: list[ClientSpec],
    phases: list[Phase],
    ready_q,
    go_event,
    start_value,
    result_q,
) -> None:
    """One load-generator process: a thread per client, signed in to the app, following the phases."""
    barrier = threading.Barrier(len(specs) + 1)
    start_event = threading.Event()
    records: list[list] = [[] for _ in specs]
    setup_errors: list[str] = []
    samples: dict[str, list[str]] = {kind: [] for kind in KINDS}
    sizes: dict[str, list[int]] = {kind: [] for kind in KINDS}
    lock = threading.Lock()
    start_box: list[float] = []

    def run(slot: int, spec: ClientSpec) -> None:
        paths = {"overview": f"/reports/{report_id}", "block": f"/blocks/{spec.block_id}", "bare": "/ok"}
        clients: dict[str, common.HttpClient] = {}
        try:
            app = common.HttpClient(ports["app"])
            common.sign_in(app, spec.email)
            for kind in PAGE_KINDS:
                status, _, _ = app.request("GET", paths[kind])
                if status != 200:
                    raise RuntimeError(f"GET {paths[kind]} as {spec.email} answered {status}")
            clients = {"overview": app, "block": app, "bare": common.HttpClient(ports["bare"])}
        except Exception as error:  # noqa: BLE001  (reported, the run goes on without this client)
            setup_errors.append(f"{spec.email} block {spec.block_id}: {error}")
        barrier.wait()
        start_event.wait()
        if not clients:
            return
        start = start_box[0]
        own = records[slot]
        for index, phase in enumerate(phases):
            client, path = clients[phase.kind], paths[phase.kind]
            client.close()  # a fresh connection per phase (an idle one may have been closed)
            time.sleep(max(0.0, start + phase.start - time.time()))
            while True:
                wall = time.time()
                if wall >= start + phase.end:
                    break
                begin = time.perf_counter()
                try:
                    status, body, _ = client.request("GET", path)
                except Exception as error:  # noqa: BLE001  (a dropped connection counts as a failure)
                    status, body = 0, f"{type(error).__name__}: {error}"
                latency = time.perf_counter() - begin
                own.append((index, wall - start, latency, status))
                with lock:
                    if len(sizes[phase.kind]) < 50 and status == 200:
                        sizes[phase.kind].append(len(body.encode()))
                    if status != 200 and len(samples[phase.kind]) < 5:
                        samples[phase.kind].append(f"{status}: {' '.join(body.split())[:300]}")
        for client in set(clients.values()):
            client.close()

    threads = [threading.Thread(target=run, args=(i, spec), daemon=True) for i, spec in enumerate(specs)]
    for thread in threads:
        thread.start()
    barrier.wait()
    ready_q.put((os.getpid(), setup_errors))
    go_event.wait()
    start = start_value.value
    start_box.append(start)
    start_event.set()
    cpu = dict.fromkeys(KINDS, 0.0)
    for phase in phases:
        time.sleep(max(0.0, start + phase.measure - time.time()))
        before = sum(os.times()[:2])
        time.sleep(max(0.0, start + phase.end - time.time()))
        cpu[phase.kind] += sum(os.times()[:2]) - before
    for thread in threads:
        thread.join()
    result_q.put(
        {
            "records": [r for own in records for r in own],
            "cpu_seconds": cpu,
            "setup_errors": setup_errors,
            "samples": samples,
            "sizes": sizes,
        }
    )


class DatabaseCpu:
    """CPU seconds of the PostgreSQL backends serving one database (its name in pg_stat_activity),
    from /proc: what the app's queries cost the database server. Zero on SQLite (in-process)."""

    def __init__(self, database_url: str) -> None:
        self.engine = None
        if database_url.startswith("postgresql"):
            from sqlalchemy import create_engine
            from sqlalchemy.engine import make_url
            from sqlalchemy.pool import NullPool

            self.name = make_url(database_url).database
            self.engine = create_engine(database_url, poolclass=NullPool)

    def sample(self) -> dict[int, float]:
        if self.engine is None:
            return {}
        from sqlalchemy import text

        with self.engine.connect() as connection:
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": self.name},
            ).scalars()
            return {pid: common.process_tree_cpu_seconds(pid) for pid in pids}

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        # Backends that started during the window count from zero; the pool keeps them open.
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def run_load(
    servers: dict[str, common.Server],
    report_id: int,
    specs: list[ClientSpec],
    phases: list[Phase],
    processes: int,
    database: DatabaseCpu,
) -> dict:
    ctx = mp.get_context("spawn")
    ready_q, result_q = ctx.Queue(), ctx.Queue()
    go_event = ctx.Event()
    start_value = ctx.Value("d", 0.0)
    ports = {name: server.port for name, server in servers.items()}
    groups = [g for g in (specs[i::processes] for i in range(processes)) if g]
    children = [
        ctx.Process(
            target=_client_process,
            args=(ports, report_id, group, phases, ready_q, go_event, start_value, result_q),
            daemon=True,
        )
        for group in groups
    ]
    for child in children:
        child.start()
    setup_errors: list[str] = []
    server_cpu = dict.fromkeys(KINDS, 0.0)
    database_cpu = dict.fromkeys(KINDS, 0.0)
    machine = {kind: [0.0, 0.0] for kind in KINDS}
    try:
        for _ in children:
            _, errors = ready_q.get(timeout=300)
            setup_errors += errors
        start = time.time() + 0.2
        start_value.value = start
        go_event.set()
        for phase in phases:
            pid = servers["bare" if phase.kind == "bare" else "app"].process.pid
            time.sleep(max(0.0, start + phase.measure - time.time()))
            cpu_0, (busy_0, total_0) = common.process_tree_cpu_seconds(pid), common.system_cpu_busy()
            database_0 = database.sample()
            time.sleep(max(0.0, start + phase.end - time.time()))
            cpu_1, (busy_1, total_1) = common.process_tree_cpu_seconds(pid), common.system_cpu_busy()
            database_cpu[phase.kind] += database.spent(database_0, database.sample())
            server_cpu[phase.kind] += cpu_1 - cpu_0
            machine[phase.kind][0] += busy_1 - busy_0
            machine[phase.kind][1] += total_1 - total_0
        results = [result_q.get(timeout=120) for _ in children]
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.terminate()
    records = [r for result in results for r in result["records"]]
    cpu_count = os.cpu_count() or 1
    out: dict = {"setup_errors": setup_errors}
    for kind in KINDS:
        own = [p for p in phases if p.kind == kind]
        measured = sum(p.end - p.measure for p in own)
        window = [r for r in records if phases[r[0]].kind == kind and phases[r[0]].measure <= r[1] < phases[r[0]].end]
        latencies = [r[2] for r in window]
        ok = [r for r in window if r[3] == 200]
        per_phase = []
        for index, phase in enumerate(phases):
            if phase.kind == kind:
                n = sum(1 for r in window if r[0] == index and r[3] == 200)
                per_phase.append(round(n / (phase.end - phase.measure), 1))
        sizes = [s for result in results for s in result["sizes"][kind]]
        busy, total = machine[kind]
        out[kind] = {
            "clients": len(specs) - len(setup_errors),
            "measured_s": measured,
            "requests": len(window),
            "ok_requests": len(ok),
            "requests_per_s": round(len(ok) / measured, 1),
            "requests_per_s_by_phase": per_phase,
            "p50_ms": common.ms(common.percentile(latencies, 50)),
            "p95_ms": common.ms(common.percentile(latencies, 95)),
            "p99_ms": common.ms(common.percentile(latencies, 99)),
            "failed_responses": len(window) - len(ok),
            "failure_samples": [s for result in results for s in result["samples"][kind]][:5],
            "median_bytes": int(common.median([float(s) for s in sizes])) if sizes else None,
            "client_cpu_cores": round(sum(r["cpu_seconds"][kind] for r in results) / measured, 2),
            "server_cpu_cores": round(server_cpu[kind] / measured, 2),
            "server_cpu_ms_per_request": round(server_cpu[kind] / len(ok) * 1000, 2) if ok else None,
            "database_cpu_cores": round(database_cpu[kind] / measured, 2),
            "database_cpu_ms_per_request": round(database_cpu[kind] / len(ok) * 1000, 2) if ok else None,
            "machine_cpu_cores_busy": round(busy / total * cpu_count, 2) if total else None,
        }
    return out


def run(args: argparse.Namespace) -> dict:
    settings = {"workers": args.workers, "worker_class": args.worker_class, "threads": args.threads}
    phases = make_schedule(args.rounds, args.duration / args.rounds, args.settle, args.first_settle)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with demo_database(args.database_url) as (database_url, directory):
        timings["database_s"] = round(time.perf_counter() - t0, 1)
        specs = assign_clients(database_url, args.clients, args.report_id)
        results: dict = {
            "settings": {
                **settings,
                "database": "postgresql" if args.database_url else "sqlite",
                "clients": args.clients,
                "client_processes": args.client_processes,
                "report_id": args.report_id,
                "measured_s_per_endpoint": args.duration,
                "rounds": args.rounds,
                "schedule": [f"{p.kind} {p.start:.0f}-{p.end:.0f}s (measured from {p.measure:.0f}s)" for p in phases],
                "gunicorn": " ".join(common.gunicorn_command("APP", 0, **settings)[1:]),
            },
            "clients": [{"email": s.email, "block_id": s.block_id} for s in specs],
        }
        with contextlib.ExitStack() as stack:
            servers = {
                "app": stack.enter_context(
                    common.gunicorn("wsgi:app", common.bench_env(database_url), log_dir=directory, **settings)
                ),
                "bare": stack.enter_context(
                    common.gunicorn(
                        "bare_read_app:app", common.bench_env(), chdir=common.BENCH_DIR, log_dir=directory, **settings
                    )
                ),
            }
            timings["servers_up_s"] = round(time.perf_counter() - t0, 1)
            database_cpu = DatabaseCpu(database_url)
            try:
                results.update(run_load(servers, args.report_id, specs, phases, args.client_processes, database_cpu))
            finally:
                database_cpu.close()
            timings["load_done_s"] = round(time.perf_counter() - t0, 1)
    timings["total_s"] = round(time.perf_counter() - t0, 1)
    results["timings"] = timings
    bare = results["bare"]
    for kind in PAGE_KINDS:
        page = results[kind]
        page["ratio_to_bare"] = (
            round(page["requests_per_s"] / bare["requests_per_s"], 3) if bare["requests_per_s"] else None
        )
        if page["server_cpu_ms_per_request"] and bare["server_cpu_ms_per_request"]:
            page["cpu_cost_ratio_bare_over_page"] = round(
                bare["server_cpu_ms_per_request"] / page["server_cpu_ms_per_request"], 3
            )
    results["bar"] = {"ratio_min": READ_BAR, "failed_responses": 0}
    return results


def report(results: dict) -> None:
    s = results["settings"]
    print(
        f"Read throughput ({s['database']}): {s['clients']} signed-in clients in {s['client_processes']} client "
        f"processes; {s['measured_s_per_endpoint']:.0f} s measured per endpoint in {s['rounds']} alternating rounds"
    )
    print(f"  gunicorn {s['gunicorn']}")
    rows = []
    names = {
        "overview": f"overview GET /reports/{s['report_id']}",
        "block": "block page GET /blocks/<id>",
        "bare": "bare GET /ok",
    }
    for kind in KINDS:
        r = results[kind]
        rows.append(
            (
                names[kind],
                f"{r['requests_per_s']:.1f}",
                f"{r['p50_ms']:.1f}",
                f"{r['p95_ms']:.1f}",
                str(r["failed_responses"]),
                f"{r['server_cpu_ms_per_request']}",
                f"{r['database_cpu_ms_per_request']}",
                f"{r['client_cpu_cores']:.2f}",
                f"{r['server_cpu_cores']:.2f}",
                f"{r['machine_cpu_cores_busy']:.2f}",
                str(r["median_bytes"]),
                " ".join(f"{x:.0f}" for x in r["requests_per_s_by_phase"]),
            )
        )
    common.print_table(
        rows,
        (
            "endpoint",
            "req/s",
            "p50 ms",
            "p95 ms",
            "non-200",
            "server CPU ms/req",
            "database CPU ms/req",
            "client CPU",
            "server CPU",
            "machine busy",
            "bytes",
            "req/s per round",
        ),
    )
    for kind in PAGE_KINDS:
        r = results[kind]
        print(
            f"  {kind}/bare: throughput {r['ratio_to_bare']} (bar ≥ {READ_BAR}), "
            f"CPU cost bare/{kind} {r.get('cpu_cost_ratio_bare_over_page')}"
        )
    print(
        f"  (CPU columns: cores used on average over the measured windows; the machine has {os.cpu_count()}. "
        "Database CPU: the PostgreSQL backends of the scratch database, 0 on SQLite, where it is the server's.)"
    )
    if results["setup_errors"]:
        print(f"  clients that could not start: {results['setup_errors']}")
    for kind in KINDS:
        for sample in results[kind]["failure_samples"]:
            print(f"  {kind} failure: {sample}")
        r = results[kind]
        other = r["machine_cpu_cores_busy"] - r["server_cpu_cores"] - r["client_cpu_cores"] - r["database_cpu_cores"]
        if other > 0.3:
            print(f"  note ({kind}): {other:.2f} cores were busy with processes outside this benchmark.")
    if max(results[k]["client_cpu_cores"] for k in KINDS) > 0.5:
        print(
            "  note: the load generator used more than half a core; the server had less CPU than it would "
            "with remote clients, more so for the cheaper endpoint (see the CPU-cost ratio)."
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=12.0, help="measured seconds per endpoint (all rounds)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds of load before measuring, per round")
    parser.add_argument("--first-settle", type=float, default=2.0, help="settling time of each endpoint's first round")
    parser.add_argument("--report-id", type=int, default=2, help="the report whose overview and blocks are read")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--database-url", help="PostgreSQL: a scratch database is created beside this one")
    parser.add_argument("--workers", type=int, default=common.DEFAULT_WORKERS)
    parser.add_argument("--worker-class", default=common.DEFAULT_WORKER_CLASS, choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=common.DEFAULT_THREADS, help="with --worker-class gthread")
    parser.add_argument("--json-out", help="write the figures as JSON to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = run(args)
    report(results)
    common.write_json(args.json_out, results)


if __name__ == "__main__":
    main()
