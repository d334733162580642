"""Does a worker's memory return to its baseline after every render? Peak memory per page (issue 16).

A sequence of renders, each measured the same way: the RSS of the process that asked for the
render before it, the peak while it ran, the RSS after it, and the peak per rendered page.

- **The PDF worker** (``python -m webapp.worker``, as deployed: each render in a child forked
  from a forkserver that has WeasyPrint loaded, ``webapp/services/publishing/render_process.py``)
  renders, one job after the other: the draft PDF of the demo report 2021–22, the final
  (publication) render of the same report with PDF/UA and the accessibility check, both again,
  and, with ``--scale 10`` (the default), the draft of the open report of a partnership ten
  times the demo's (built by ``bench/scale.py``'s builder, ~800 pages). Before and after: the
  worker's VmRSS and the forkserver's. Peak: the render child's VmHWM (the kernel's
  high-water mark of its resident memory), sampled every 20 ms while it lives; "added" is that
  peak less the forkserver's RSS, which the child starts as a copy of.
- **The web worker**: section previews (``GET /reports/1/sections/<id>/preview.pdf``) are
  rendered in the request, in the gunicorn worker (one sync worker here, so it is known which
  process). Before and after: its VmRSS; peak: its VmHWM, reset before each request
  (``/proc/<pid>/clear_refs``). The first preview loads fonts and Pango and is shown apart
  ("warm-up"); the baseline is taken after it.

The bar (issue 16): after every render, the worker's RSS within ``--tolerance`` MB (default 5)
of its baseline: printed per render as "within bar" / "not within bar".

    .venv/bin/python bench/worker_memory.py                 # 1× and 10×, a few minutes
    .venv/bin/python bench/worker_memory.py --scale 1       # the demo only (~1 min)
    .venv/bin/python bench/worker_memory.py --mode in-process   # renders inside the worker (the old way)
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, replace
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

MODES = {"child": "1", "in-process": "0"}
CHAIR = "ordforande@demo.iop"
DEMO_REPORT = 1  # 2021–22, locked in the demo: its draft and its final render
SETTLE_SECONDS = 0.5


# --------------------------------------------------------------------------- /proc


def proc_status_kb(pid: int, field: str) -> int:
    """A field of /proc/<pid>/status in kB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def rss_mb(pid: int) -> float:
    return proc_status_kb(pid, "VmRSS") / 1024


def hwm_mb(pid: int) -> float:
    return proc_status_kb(pid, "VmHWM") / 1024


def reset_peak(pid: int) -> bool:
    """Reset the kernel's peak-RSS mark of ``pid`` (Linux ≥ 4.0, same user)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        for child in common._children(stack.pop()):
            found.append(child)
            stack.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class ChildPeaks:
    """While running: every 20 ms, the VmHWM of each descendant of ``pid`` not in ``known``."""

    def __init__(self, pid: int, known: set[int]) -> None:
        self.pid, self.known = pid, known
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for child in descendants(self.pid):
                if child not in self.known:
                    self.peaks[child] = max(self.peaks.get(child, 0.0), hwm_mb(child))
            time.sleep(0.02)

    def stop(self) -> dict[int, float]:
        self._stop.set()
        self._thread.join()
        return self.peaks


# --------------------------------------------------------------------------- figures


@dataclass
class Render:
    scale: int
    what: str
    process: str  # "PDF worker" or "web worker"
    pages: int | None
    seconds: float
    before_mb: float
    peak_mb: float  # the render child's VmHWM, or the web worker's
    added_mb: float  # peak less what the rendering process started from
    after_mb: float
    baseline_mb: float
    forkserver_before_mb: float | None = None
    forkserver_after_mb: float | None = None
    forkserver_baseline_mb: float | None = None
    warm_up: bool = False

    @property
    def per_page_mb(self) -> float | None:
        return self.added_mb / self.pages if self.pages else None

    def within(self, tolerance: float) -> bool:
        ok = abs(self.after_mb - self.baseline_mb) <= tolerance
        if self.forkserver_after_mb is not None and self.forkserver_baseline_mb is not None:
            ok = ok and abs(self.forkserver_after_mb - self.forkserver_baseline_mb) <= tolerance
        return ok


def count_pages(pdf: bytes) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page\b", pdf)) or None
    return len(PdfReader(BytesIO(pdf)).pages)


# --------------------------------------------------------------------------- the app in this process


class Queue:
    """The app on one database, in this process: queue renders for the worker, read their jobs."""

    def __init__(self, database_url: str) -> None:
        from webapp import create_app

        self.app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": common.BENCH_SECRET_KEY, "HUEY_IMMEDIATE": False}
        )

    def queue(self, report_id: int, kind: str, tag: str) -> int:
        """One render of the report's draft or final PDF, with a marker so it is never a cache hit."""
        from sqlalchemy import select

        from webapp.extensions import db
        from webapp.models import RenderKind, User
        from webapp.services.publishing import rendering

        with self.app.app_context():
            chair = db.session.scalar(select(User).where(User.email == CHAIR))
            prepared = rendering.prepare_render(report_id, RenderKind(kind))
            assert prepared is not None, f"no report {report_id}"
            html = prepared.html.replace("</body>", f"<!-- worker_memory {tag} {time.time_ns()} --></body>")
            variant = replace(prepared, html=html, content_hash=rendering.content_hash(report_id, prepared.kind, html))
            job_id = rendering.request_prepared(variant, chair).id
            db.session.commit()  # hands it to the worker
            db.session.remove()
        return job_id

    def job(self, job_id: int) -> dict:
        from webapp.extensions import db
        from webapp.models import RenderJob

        with self.app.app_context():
            job = db.session.get(RenderJob, job_id)
            assert job is not None
            found = {"state": str(job.state), "error": job.error, "pages": job.page_count}
            db.session.remove()
        return found

    def sections(self, report_id: int) -> list[tuple[str, int]]:
        """The report's largest, median and smallest section by Markdown (label, section id)."""
        from sqlalchemy import func, select

        from webapp.extensions import db
        from webapp.models import Block, Revision

        with self.app.app_context():
            rows = db.session.execute(
                select(Block.section_id, func.sum(func.length(Revision.source)))
                .join(Revision, Revision.id == Block.current_revision_id)
                .where(Block.report_id == report_id)
                .group_by(Block.section_id)
                .order_by(func.sum(func.length(Revision.source)), Block.section_id)
            ).all()
            db.session.remove()
        smallest, middle, largest = rows[0], rows[len(rows) // 2], rows[-1]
        return [
            ("section preview, smallest", smallest[0]),
            ("section preview, largest", largest[0]),
            ("section preview, median", middle[0]),
        ]


# --------------------------------------------------------------------------- the PDF worker


@contextlib.contextmanager
def pdf_worker(env: dict[str, str], log_dir: Path):
    from publish_wait import worker_process

    with worker_process(env, log_dir) as process:
        settle(process.pid)
        yield process


def settle(worker_pid: int, timeout: float = 90.0) -> None:
    """Until the worker and its forkserver stop growing: the forkserver imports WeasyPrint in the
    background after the worker has started (seconds on a busy machine), and a baseline taken
    before that would count the import as the first render's."""
    deadline = time.monotonic() + timeout
    last: tuple[float, ...] = ()
    steady = 0
    while time.monotonic() < deadline:
        now = (rss_mb(worker_pid), *(rss_mb(pid) for pid in descendants(worker_pid)))
        steady = steady + 1 if len(now) == len(last) and all(abs(a - b) < 0.2 for a, b in zip(now, last)) else 0
        if steady >= 4:  # 2 s without change
            return
        last = now
        time.sleep(0.5)


def forkserver_of(worker_pid: int) -> int | None:
    for pid in descendants(worker_pid):
        if "forkserver" in command_line(pid):
            return pid
    return None


def worker_render(queue: Queue, worker_pid: int, scale: int, what: str, report_id: int, kind: str, timeout: float):
    forkserver = forkserver_of(worker_pid)
    known = set(descendants(worker_pid))
    before = rss_mb(worker_pid)
    fork_before = rss_mb(forkserver) if forkserver else None
    if forkserver is None:
        reset_peak(worker_pid)  # in-process mode: the worker's own peak
    sampler = ChildPeaks(worker_pid, known)
    begin = time.monotonic()
    job_id = queue.queue(report_id, kind, f"{scale}x-{what}")
    while (job := queue.job(job_id))["state"] not in ("done", "failed"):
        if time.monotonic() - begin > timeout:
            sampler.stop()
            raise RuntimeError(f"{what}: render job {job_id} not done after {timeout:.0f} s ({job['state']})")
        time.sleep(0.1)
    seconds = time.monotonic() - begin
    peaks = sampler.stop()
    if job["state"] != "done":
        raise RuntimeError(f"{what}: render job {job_id} failed: {job['error']}")
    time.sleep(SETTLE_SECONDS)  # the child has exited and the worker is idle again
    if forkserver is not None:
        peak = max(peaks.values(), default=0.0)
        added = peak - (fork_before or 0.0)
    else:
        peak = hwm_mb(worker_pid)
        added = peak - before
    return Render(
        scale=scale,
        what=what,
        process="PDF worker",
        pages=job["pages"],
        seconds=round(seconds, 2),
        before_mb=before,
        peak_mb=peak,
        added_mb=added,
        after_mb=rss_mb(worker_pid),
        baseline_mb=0.0,
        forkserver_before_mb=fork_before,
        forkserver_after_mb=rss_mb(forkserver) if forkserver else None,
    )


def worker_sequence(
    database_url: str, env: dict[str, str], log_dir: Path, scale: int, plan: list[tuple[str, int, str]], timeout: float
) -> list[Render]:
    queue = Queue(database_url)
    log_dir.mkdir(parents=True, exist_ok=True)
    renders = []
    with pdf_worker({**env, "DATABASE_URL": database_url}, log_dir) as worker:
        forkserver = forkserver_of(worker.pid)
        baseline = rss_mb(worker.pid)
        fork_baseline = rss_mb(forkserver) if forkserver else None
        shown = f", forkserver {fork_baseline:.1f} MB" if fork_baseline else " (renders in the worker itself)"
        print(f"  {scale}×: PDF worker pid {worker.pid}, baseline {baseline:.1f} MB{shown}", flush=True)
        for what, report_id, kind in plan:
            render = worker_render(queue, worker.pid, scale, what, report_id, kind, timeout)
            render.baseline_mb, render.forkserver_baseline_mb = baseline, fork_baseline
            print(f"    {what}: {render.pages} pages, {render.seconds:.1f} s", flush=True)
            renders.append(render)
    return renders


# --------------------------------------------------------------------------- the web worker


def web_worker_pid(server: common.Server) -> int:
    workers = common._children(server.process.pid)
    if len(workers) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {workers}")
    return workers[0]


def section_previews(database: common.BenchDatabase, queue: Queue, env: dict[str, str], log_dir: Path, repeat: int):
    renders = []
    sections = queue.sections(DEMO_REPORT)
    with common.gunicorn("wsgi:app", env, workers=1, worker_class="sync", log_dir=log_dir) as server:
        client = common.HttpClient(server.port)
        common.sign_in(client, CHAIR)
        pid = web_worker_pid(server)
        cold = rss_mb(pid)
        print(f"  1×: web worker pid {pid}, {cold:.1f} MB after sign-in", flush=True)
        plan = [("section preview, warm-up (smallest)", sections[0][1], True)]
        for _ in range(repeat):
            plan += [(label, section_id, False) for label, section_id in sections]
        baseline = None
        for label, section_id, warm_up in plan:
            before = rss_mb(pid)
            reset_peak(pid)
            begin = time.monotonic()
            status, pdf = get_bytes(client, f"/reports/{DEMO_REPORT}/sections/{section_id}/preview.pdf")
            seconds = time.monotonic() - begin
            if status != 200:
                raise RuntimeError(f"{label}: GET preview.pdf answered {status}")
            peak = hwm_mb(pid)
            time.sleep(SETTLE_SECONDS)
            after = rss_mb(pid)
            if baseline is None and not warm_up:
                baseline = before
            renders.append(
                Render(
                    scale=1,
                    what=label,
                    process="web worker",
                    pages=count_pages(pdf),
                    seconds=round(seconds, 2),
                    before_mb=before,
                    peak_mb=peak,
                    added_mb=peak - before,
                    after_mb=after,
                    baseline_mb=cold if warm_up else (baseline if baseline is not None else before),
                    warm_up=warm_up,
                )
            )
            print(f"    {label}: {renders[-1].pages} pages, {seconds:.2f} s", flush=True)
        client.close()
    return renders


def get_bytes(client: common.HttpClient, path: str) -> tuple[int, bytes]:
    """GET with the client's cookies, the answer as bytes (HttpClient decodes text)."""
    import http.client

    connection = http.client.HTTPConnection(common.HOST, client.port, timeout=120)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


# --------------------------------------------------------------------------- 10×


@contextlib.contextmanager
def scaled_database(scale: int):
    """A scratch SQLite database holding bench/scale.py's partnership at ``scale``; (url, report id)."""
    import scale as scale_bench
    from flask_migrate import upgrade

    from webapp.extensions import db

    with scale_bench.scratch_database(None, f"memory-x{scale}") as url:
        app = scale_bench.make_app(url)
        with app.app_context():
            logging.disable(logging.INFO)
            upgrade()
            logging.disable(logging.NOTSET)
            summary = scale_bench.build(scale)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        print(
            f"  built {scale}×: {summary.units} units, {summary.blocks} blocks ({summary.build_seconds} s)", flush=True
        )
        yield url, summary.report_id


# --------------------------------------------------------------------------- run and report


def run(args: argparse.Namespace) -> dict:
    directory = Path(tempfile.mkdtemp(prefix="iop-worker-memory-"))
    # The queue is chosen when webapp.tasks is first imported: one queue file for the whole run.
    os.environ["HUEY_SQLITE_PATH"] = str(directory / "queue.sqlite3")
    env_extra = {
        "HUEY_SQLITE_PATH": os.environ["HUEY_SQLITE_PATH"],
        "RENDER_IN_CHILD_PROCESS": MODES[args.mode],
        "DOCUMENT_PREVIEWS_PER_USER": "100000/minute",
    }
    results: dict = {"load_before": os.getloadavg(), "mode": args.mode, "tolerance_mb": args.tolerance}
    renders: list[Render] = []
    with common.fresh_database() as database:
        env = database.env(**env_extra)
        queue = Queue(database.url)
        plan = []
        for index in range(args.repeat):
            suffix = f" ({index + 1})" if args.repeat > 1 else ""
            plan += [
                (f"draft PDF, demo report{suffix}", DEMO_REPORT, "draft"),
                (f"publication render, demo report{suffix}", DEMO_REPORT, "final"),
            ]
        renders += worker_sequence(database.url, env, directory / "x1", 1, plan, args.job_timeout)
        if not args.no_previews:
            renders += section_previews(database, queue, env, directory, args.repeat)
    if args.scale > 1:
        with scaled_database(args.scale) as (url, report_id):
            env = common.bench_env(url, **env_extra)
            plan = [
                (
                    f"draft PDF, {args.scale}× report" + (f" ({n + 1})" if args.scale_renders > 1 else ""),
                    report_id,
                    "draft",
                )
                for n in range(args.scale_renders)
            ]
            renders += worker_sequence(url, env, directory / f"x{args.scale}", args.scale, plan, args.job_timeout)
    results["renders"] = [
        {**asdict(r), "per_page_mb": r.per_page_mb, "within": r.within(args.tolerance)} for r in renders
    ]
    results["load_after"] = os.getloadavg()
    return results


def report(results: dict) -> None:
    tolerance = results["tolerance_mb"]
    print()
    print(
        f"Worker memory per render (mode: {results['mode']}; bar: after within {tolerance:g} MB of the baseline; "
        f"load average before {results['load_before'][0]:.1f}, after {results['load_after'][0]:.1f})"
    )

    def mb(value: float | None) -> str:
        return "" if value is None else f"{value:.1f}"

    rows = []
    for r in results["renders"]:
        fork = (
            f"{mb(r['forkserver_before_mb'])} → {mb(r['forkserver_after_mb'])}"
            if r["forkserver_before_mb"] is not None
            else ""
        )
        verdict = "warm-up" if r["warm_up"] else ("within bar" if r["within"] else "NOT within bar")
        rows.append(
            (
                f"{r['scale']}×",
                r["what"],
                r["process"],
                str(r["pages"] or ""),
                f"{r['seconds']:.1f}",
                mb(r["baseline_mb"]),
                mb(r["before_mb"]),
                mb(r["peak_mb"]),
                mb(r["added_mb"]),
                "" if r["per_page_mb"] is None else f"{r['per_page_mb']:.2f}",
                mb(r["after_mb"]),
                f"{r['after_mb'] - r['baseline_mb']:+.1f}",
                fork,
                verdict,
            )
        )
    common.print_table(
        rows,
        header=(
            "scale",
            "render",
            "process",
            "pages",
            "s",
            "baseline MB",
            "before MB",
            "peak MB",
            "added MB",
            "added MB/page",
            "after MB",
            "after − baseline",
            "forkserver MB",
            "",
        ),
    )
    print(
        "  peak: the render child's VmHWM (PDF worker) or the web worker's own, reset before the request;\n"
        "  added: the peak less the forkserver's RSS (the child starts as its copy) or less the web worker's before."
    )
    measured = [r for r in results["renders"] if not r["warm_up"]]
    failing = [r["what"] for r in measured if not r["within"]]
    print(
        f"  {len(measured) - len(failing)} of {len(measured)} renders within bar"
        + (f"; not: {', '.join(failing)}" if failing else "")
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--scale", type=int, default=10, help="also render the draft of a partnership this large (1: skip)"
    )
    parser.add_argument("--scale-renders", type=int, default=1, help="how many renders of the large report")
    parser.add_argument("--repeat", type=int, default=2, help="how many times the 1× sequence runs")
    parser.add_argument("--mode", choices=list(MODES), default="child", help="where the PDF worker renders")
    parser.add_argument("--tolerance", type=float, default=5.0, help="MB from the baseline that still counts as back")
    parser.add_argument("--job-timeout", type=float, default=900.0, help="seconds one render may take")
    parser.add_argument("--no-previews", action="store_true", help="skip the section previews in the web worker")
    parser.add_argument("--json-out", help="write the figures as JSON to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = run(args)
    report(results)
    common.write_json(args.json_out, results)


if __name__ == "__main__":
    main()
