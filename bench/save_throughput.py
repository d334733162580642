"""Block saves under load, beside a bare insert endpoint measured in the same run (DESIGN §10).

20 concurrent clients, each signed in as a demo user who may edit (skribent.<unit>@demo.iop
for the units, admin@demo.iop for any block), each on a block of its own in the open report
(no conflicts by construction), POST /blocks/<id>/save with a changed ~300-word text and the
current base_version (non-htmx: 302 and version + 1), for a fixed duration. Then the same
20-client load against bench/bare_insert_app.py (one SQLAlchemy insert per POST, no auth, no
CSRF) on the same gunicorn settings. Only one server runs at a time.

Figures: requests/s, p50/p95 latency, save/bare ratio (bar ≥ 0.5), responses that were not
2xx/3xx (should be 0; "database is locked" would show here as 500), and the CPU used by the
clients and by gunicorn (on 2 cores, a client using most of a core would distort the ratio).

    .venv/bin/python bench/save_throughput.py [--duration 15] [--worker-class sync|gthread]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from bare_insert_app import create_table  # noqa: E402

SAVE_BAR = 0.5


@dataclass(frozen=True)
class ClientSpec:
    index: int
    email: str
    block_id: int


def assign_blocks(database: common.BenchDatabase, clients: int, report_id: int = 2) -> list[ClientSpec]:
    """Round-robin over the users who may edit, each client on a distinct block.

    The admin comes first and writers with most blocks next, so users with a single block
    (eu-teamet) get a single session when there are more clients than users.
    """
    editable = common.editable_blocks(database, report_id)
    writers = sorted((e for e in editable if e != common.ADMIN_EMAIL), key=lambda e: (-len(editable[e]), e))
    users = [common.ADMIN_EMAIL, *writers]
    emails = [users[i % len(users)] for i in range(clients)]
    taken: set[int] = set()
    chosen: dict[int, int] = {}
    # Writers first (they can only use their own unit's blocks), then the admin takes what is left.
    for only_admin in (False, True):
        for index, email in enumerate(emails):
            if (email == common.ADMIN_EMAIL) != only_admin:
                continue
            free = [b for b in editable[email] if b not in taken]
            if not free:
                raise RuntimeError(f"no free block left for {email}; use fewer clients")
            chosen[index] = free[0]
            taken.add(free[0])
    return [ClientSpec(i, emails[i], chosen[i]) for i in range(clients)]


# --------------------------------------------------------------------------- the load, in child processes


def _save_client(spec: ClientSpec, port: int, words: int):
    """Sign in, read the block's page, and return a function doing one save."""
    client = common.HttpClient(port)
    common.sign_in(client, spec.email)
    status, html, _ = client.request("GET", f"/blocks/{spec.block_id}")
    if status != 200:
        raise RuntimeError(f"GET /blocks/{spec.block_id} as {spec.email} answered {status}")
    state = {"token": common.find_csrf_token(html), "version": common.find_base_version(html), "n": 0}
    text = common.prose(words, seed=spec.index, paragraph_words=60)

    def one() -> tuple[int, str]:
        state["n"] += 1
        form = {
            "csrf_token": state["token"],
            "source": f"{text}\n\nÄndring {spec.index}-{state['n']}.",
            "base_version": str(state["version"]),
            "note": "bench",
        }
        status, body, _ = client.request("POST", f"/blocks/{spec.block_id}/save", form)
        if status == 302:
            state["version"] += 1
        elif status == 409:
            with contextlib.suppress(RuntimeError):
                state["version"] = common.find_base_version(body)
        else:
            # Resynchronise (outside the timing of the failed request) and go on.
            with contextlib.suppress(Exception):
                _, page, _ = client.request("GET", f"/blocks/{spec.block_id}")
                state["version"] = common.find_base_version(page)
        return status, body

    return one, client


def _bare_client(spec: ClientSpec, port: int, words: int):
    client = common.HttpClient(port)
    text = common.prose(words, seed=spec.index, paragraph_words=60)
    state = {"n": 0}

    def one() -> tuple[int, str]:
        state["n"] += 1
        form = {
            "csrf_token": "-" * 91,
            "source": f"{text}\n\nÄndring {spec.index}-{state['n']}.",
            "base_version": str(state["n"]),
            "note": "bench",
        }
        status, body, _ = client.request("POST", "/insert", form)
        return status, body

    return one, client


@dataclass(frozen=True)
class Phase:
    kind: str  # "save" or "bare"
    start: float  # seconds after the common start: load begins
    measure: float  # measuring begins (after the settling time)
    end: float  # load and measuring end


def make_schedule(rounds: int, measure: float, settle: float, first_settle: float) -> list[Phase]:
    """Alternating phases, save/bare/bare/save/…, so drifting background load hits both alike."""
    kinds = []
    for n in range(rounds):
        kinds += ["save", "bare"] if n % 2 == 0 else ["bare", "save"]
    phases, t, seen = [], 0.0, set()
    for kind in kinds:
        lead = settle if kind in seen else first_settle
        seen.add(kind)
        phases.append(Phase(kind, t, t + lead, t + lead + measure))
        t += lead + measure
    return phases


def _client_process(
    ports: dict[str, int],
    specs: list[ClientSpec],
    words: int,
    phases: list[Phase],
    ready_q,
    go_event,
    start_value,
    result_q,
) -> None:
    """One load-generator process: a thread per client, each with a keep-alive connection to
    each server, following the schedule of phases."""
    barrier = threading.Barrier(len(specs) + 1)
    start_event = threading.Event()
    records: list[list] = [[] for _ in specs]
    setup_errors: list[str] = []
    samples: dict[str, list[str]] = {"save": [], "bare": []}
    total_by_status: dict[str, dict[int, int]] = {"save": {}, "bare": {}}
    lock = threading.Lock()
    start_box: list[float] = []

    def run(slot: int, spec: ClientSpec) -> None:
        doers, clients = {}, []
        try:
            for kind, make in (("save", _save_client), ("bare", _bare_client)):
                doers[kind], client = make(spec, ports[kind], words)
                clients.append(client)
        except Exception as error:  # noqa: BLE001  (reported, the run goes on without this client)
            setup_errors.append(f"{spec.email} block {spec.block_id}: {error}")
            doers = {}
        barrier.wait()
        start_event.wait()
        if not doers:
            return
        start = start_box[0]
        own = records[slot]
        for index, phase in enumerate(phases):
            one = doers[phase.kind]
            # A fresh connection per phase: a keep-alive connection left idle through the other
            # endpoint's phase may have been closed by the server (gthread's keepalive is 2 s).
            clients[0 if phase.kind == "save" else 1].close()
            time.sleep(max(0.0, start + phase.start - time.time()))
            while True:
                wall = time.time()
                if wall >= start + phase.end:
                    break
                begin = time.perf_counter()
                try:
                    status, body = one()
                except Exception as error:  # noqa: BLE001  (a dropped connection counts as a failure)
                    status, body = 0, f"{type(error).__name__}: {error}"
                latency = time.perf_counter() - begin
                own.append((index, wall - start, latency, status))
                with lock:
                    counts = total_by_status[phase.kind]
                    counts[status] = counts.get(status, 0) + 1
                    if not 200 <= status < 400 and len(samples[phase.kind]) < 5:
                        samples[phase.kind].append(f"{status}: {' '.join(body.split())[:300]}")
        for client in clients:
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
    # This process's CPU over each measuring window.
    cpu = {"save": 0.0, "bare": 0.0}
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
            "total_by_status": total_by_status,
        }
    )


def run_load(
    servers: dict[str, common.Server], specs: list[ClientSpec], phases: list[Phase], *, words: int, processes: int
) -> dict:
    ctx = mp.get_context("spawn")
    ready_q, result_q = ctx.Queue(), ctx.Queue()
    go_event = ctx.Event()
    start_value = ctx.Value("d", 0.0)
    ports = {kind: server.port for kind, server in servers.items()}
    groups = [g for g in (specs[i::processes] for i in range(processes)) if g]
    children = [
        ctx.Process(
            target=_client_process,
            args=(ports, group, words, phases, ready_q, go_event, start_value, result_q),
            daemon=True,
        )
        for group in groups
    ]
    for child in children:
        child.start()
    setup_errors: list[str] = []
    server_cpu = {"save": 0.0, "bare": 0.0}
    machine = {"save": [0.0, 0.0], "bare": [0.0, 0.0]}
    try:
        for _ in children:
            _, errors = ready_q.get(timeout=120)
            setup_errors += errors
        start = time.time() + 0.2
        start_value.value = start
        go_event.set()
        # CPU of the server under load and of the whole machine over each measuring window.
        for phase in phases:
            pid = servers[phase.kind].process.pid
            time.sleep(max(0.0, start + phase.measure - time.time()))
            cpu_0, (busy_0, total_0) = common.process_tree_cpu_seconds(pid), common.system_cpu_busy()
            time.sleep(max(0.0, start + phase.end - time.time()))
            cpu_1, (busy_1, total_1) = common.process_tree_cpu_seconds(pid), common.system_cpu_busy()
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
    out = {}
    for kind in ("save", "bare"):
        own = [p for p in phases if p.kind == kind]
        measured = sum(p.end - p.measure for p in own)
        window = [r for r in records if phases[r[0]].kind == kind and phases[r[0]].measure <= r[1] < phases[r[0]].end]
        latencies = [r[2] for r in window]
        ok = [r for r in window if 200 <= r[3] < 400]
        failed = [r for r in window if not 200 <= r[3] < 400]
        per_phase = []
        for index, phase in enumerate(phases):
            if phase.kind == kind:
                n = sum(1 for r in window if r[0] == index and 200 <= r[3] < 400)
                per_phase.append(round(n / (phase.end - phase.measure), 1))
        total_by_status: dict[int, int] = {}
        for result in results:
            for status, count in result["total_by_status"][kind].items():
                total_by_status[status] = total_by_status.get(status, 0) + count
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
            "max_ms": common.ms(max(latencies)) if latencies else None,
            "failed_responses": len(failed),
            "status_counts_window": _count_statuses(window),
            "status_counts_all": dict(sorted(total_by_status.items())),
            "failure_samples": [s for result in results for s in result["samples"][kind]][:5],
            "setup_errors": setup_errors,
            "client_cpu_cores": round(sum(r["cpu_seconds"][kind] for r in results) / measured, 2),
            "server_cpu_cores": round(server_cpu[kind] / measured, 2),
            "server_cpu_ms_per_request": round(server_cpu[kind] / len(ok) * 1000, 2) if ok else None,
            "machine_cpu_cores_busy": round(busy / total * cpu_count, 2) if total else None,
        }
    return out


def _count_statuses(records: list) -> dict[int, int]:
    counts: dict[int, int] = {}
    for record in records:
        counts[record[3]] = counts.get(record[3], 0) + 1
    return dict(sorted(counts.items()))


def saved_revisions(database: common.BenchDatabase) -> int:
    with contextlib.closing(database.connect()) as connection:
        return connection.execute("SELECT count(*) FROM revisions WHERE note = 'bench'").fetchone()[0]


def bare_rows(path: Path) -> int:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT count(*) FROM bare_rows").fetchone()[0]


def run(args: argparse.Namespace) -> dict:
    settings = {"workers": args.workers, "worker_class": args.worker_class, "threads": args.threads}
    phases = make_schedule(args.rounds, args.duration / args.rounds, args.settle, args.first_settle)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with common.fresh_database() as database:
        timings["database_s"] = round(time.perf_counter() - t0, 1)
        specs = assign_blocks(database, args.clients)
        results: dict = {
            "settings": {
                **settings,
                "clients": args.clients,
                "client_processes": args.client_processes,
                "text_words": args.words,
                "measured_s_per_endpoint": args.duration,
                "rounds": args.rounds,
                "settle_s": args.settle,
                "first_settle_s": args.first_settle,
                "schedule": [f"{p.kind} {p.start:.0f}-{p.end:.0f}s (measured from {p.measure:.0f}s)" for p in phases],
                "gunicorn": " ".join(common.gunicorn_command("APP", 0, **settings)[1:]),
            },
            "clients": [{"email": s.email, "block_id": s.block_id} for s in specs],
        }
        bare_path = database.directory / "bare.sqlite"
        create_table(str(bare_path))
        bare_env = common.bench_env(BARE_DATABASE_URL=f"sqlite:///{bare_path}")
        with contextlib.ExitStack() as stack:
            # Both servers are up for the whole run; only one of them is under load at a time.
            servers = {
                "save": stack.enter_context(
                    common.gunicorn("wsgi:app", database.env(), log_dir=database.directory, **settings)
                ),
                "bare": stack.enter_context(
                    common.gunicorn(
                        "bare_insert_app:app", bare_env, chdir=common.BENCH_DIR, log_dir=database.directory, **settings
                    )
                ),
            }
            timings["servers_up_s"] = round(time.perf_counter() - t0, 1)
            results.update(run_load(servers, specs, phases, words=args.words, processes=args.client_processes))
            timings["load_done_s"] = round(time.perf_counter() - t0, 1)
        results["save"]["revisions_written"] = saved_revisions(database)
        results["save"]["saves_answered_302"] = results["save"]["status_counts_all"].get(302, 0)
        results["bare"]["rows_written"] = bare_rows(bare_path)
    timings["total_s"] = round(time.perf_counter() - t0, 1)
    results["timings"] = timings

    save, bare = results["save"], results["bare"]
    results["ratio_save_over_bare"] = (
        round(save["requests_per_s"] / bare["requests_per_s"], 3) if bare["requests_per_s"] else None
    )
    # Less sensitive to other load on the machine: what one request costs the server in CPU.
    if save["server_cpu_ms_per_request"] and bare["server_cpu_ms_per_request"]:
        results["cpu_cost_ratio_bare_over_save"] = round(
            bare["server_cpu_ms_per_request"] / save["server_cpu_ms_per_request"], 3
        )
    results["bar"] = {"ratio_min": SAVE_BAR, "failed_responses": 0}
    return results


def report(results: dict) -> None:
    s = results["settings"]
    print(
        f"Save throughput: {s['clients']} clients in {s['client_processes']} client processes, ~{s['text_words']}-word "
        f"texts; {s['measured_s_per_endpoint']:.0f} s measured per endpoint in {s['rounds']} alternating rounds"
    )
    print(f"  gunicorn {s['gunicorn']}")
    rows = []
    for name, key in (("block save  POST /blocks/<id>/save", "save"), ("bare insert POST /insert", "bare")):
        r = results[key]
        rows.append(
            (
                name,
                f"{r['requests_per_s']:.1f}",
                f"{r['p50_ms']:.1f}",
                f"{r['p95_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                str(r["failed_responses"]),
                f"{r['client_cpu_cores']:.2f}",
                f"{r['server_cpu_cores']:.2f}",
                f"{r['machine_cpu_cores_busy']:.2f}",
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
            "p99 ms",
            "non-2xx/3xx",
            "client CPU",
            "server CPU",
            "machine busy",
            "req/s per round",
        ),
    )
    print(f"  save/bare throughput ratio: {results['ratio_save_over_bare']}  (bar ≥ {SAVE_BAR})")
    print(
        f"  server CPU per request: save {results['save']['server_cpu_ms_per_request']} ms, "
        f"bare {results['bare']['server_cpu_ms_per_request']} ms; CPU-cost ratio bare/save "
        f"{results.get('cpu_cost_ratio_bare_over_save')} (the throughput ratio if both had the same CPU)"
    )
    save = results["save"]
    print(
        f"  saves answered 302: {save['saves_answered_302']}, revisions written: {save['revisions_written']}"
        f"; bare rows written: {results['bare']['rows_written']}"
    )
    print(f"  (CPU columns: cores used on average over the measured windows; the machine has {os.cpu_count()}.)")
    for key in ("save", "bare"):
        r = results[key]
        if r["setup_errors"]:
            print(f"  {key}: clients that could not start: {r['setup_errors']}")
        for sample in r["failure_samples"]:
            print(f"  {key} failure: {sample}")
    for key in ("save", "bare"):
        r = results[key]
        other = r["machine_cpu_cores_busy"] - r["server_cpu_cores"] - r["client_cpu_cores"]
        if other > 0.3:
            print(f"  note ({key}): {other:.2f} cores were busy with processes outside this benchmark.")
    if max(results["save"]["client_cpu_cores"], results["bare"]["client_cpu_cores"]) > 0.5:
        print(
            "  note: the load generator used more than half a core; the server had less CPU than it would "
            "with remote clients, more so for the cheaper endpoint."
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per endpoint (all rounds)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating save/bare rounds")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds of load before measuring, per round")
    parser.add_argument(
        "--first-settle", type=float, default=2.0, help="settling time of each endpoint's first round (workers warm up)"
    )
    parser.add_argument("--words", type=int, default=300, help="words in each saved text")
    parser.add_argument(
        "--client-processes",
        type=int,
        default=2,
        help="load-generator processes (the clients' threads are spread over them)",
    )
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
