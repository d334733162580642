"""The PDF worker's memory over N renders: in its own process (before) and in a child (after).

The worker (``python -m webapp.worker``) renders N full final PDFs of the demo report 2021–22
(PDF/UA plus the accessibility check), one after the other, each with a marker comment so
none is a cache hit. After each render the worker's resident memory (VmRSS) is printed; the
peak is the largest sum of the worker's and its children's RSS sampled every 50 ms while
the renders ran. Run once with ``RENDER_IN_CHILD_PROCESS=0`` (the render in the worker, as
before issue 14) and once with ``=1`` (each render in a forkserver child that exits).

    .venv/bin/python bench/worker_memory.py [--renders 8] [--mode both|in-process|child]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from publish_wait import App, worker_process  # noqa: E402

MODES = {"in-process": "0", "child": "1"}


def rss_mb(pid: int) -> float:
    """Resident memory of one process, MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def tree_rss_mb(pid: int) -> float:
    """The process and all its descendants (the render child is the forkserver's child)."""
    return rss_mb(pid) + sum(tree_rss_mb(child) for child in common._children(pid))


class PeakSampler:
    """The largest RSS of the worker with its children, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            time.sleep(0.05)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_mode(app: App, env: dict[str, str], directory: Path, mode: str, renders: int) -> dict:
    env = {**env, "RENDER_IN_CHILD_PROCESS": MODES[mode]}
    log_dir = directory / mode
    log_dir.mkdir()
    with worker_process(env, log_dir) as worker:
        time.sleep(1.0)  # settle after start-up
        baseline = rss_mb(worker.pid)
        print(f"\n{mode}: worker pid {worker.pid}, baseline {baseline:.0f} MB")
        sampler = PeakSampler(worker.pid)
        after = []
        for index in range(renders):
            [job_id] = app.queue_final_renders(1, f"{mode}-{index}")
            while (job := app.jobs([job_id])[0])["state"] not in ("done", "failed"):
                time.sleep(0.1)
            if job["state"] != "done":
                raise RuntimeError(f"render {job_id} failed: {job['error']}")
            time.sleep(0.3)  # the child has exited, the worker is idle again
            after.append(rss_mb(worker.pid))
            print(f"  render {index + 1:2d} ({job['pages']} pages): worker RSS {after[-1]:.0f} MB")
        peak = sampler.stop()
    return {"mode": mode, "baseline": baseline, "peak": peak, "after": after[-1], "growth": after[-1] - baseline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=8)
    parser.add_argument("--mode", choices=["both", *MODES], default="both")
    args = parser.parse_args()
    modes = list(MODES) if args.mode == "both" else [args.mode]
    with common.fresh_database() as database:
        env = database.env(HUEY_SQLITE_PATH=str(database.directory / "queue.sqlite3"))
        app = App(env)
        results = [run_mode(app, env, database.directory, mode, args.renders) for mode in modes]
    print()
    common.print_table(
        [
            (r["mode"], f"{r['baseline']:.0f}", f"{r['peak']:.0f}", f"{r['after']:.0f}", f"{r['growth']:+.0f}")
            for r in results
        ],
        header=("renders", "baseline MB", "peak MB (with child)", f"after {args.renders} MB", "growth MB"),
    )


if __name__ == "__main__":
    main()
