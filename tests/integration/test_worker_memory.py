"""The PDF worker's memory returns to its baseline after every render (issue 16).

glibc's malloc raises its mmap threshold each time a large block is freed, so a render job's
megabytes (the HTML, its pickles, the PDF's bytes) come from the heap from then on and stay
with the worker: it grew by megabytes with every large render (bench/worker_memory.py). The
worker keeps the threshold fixed from its start and trims the heap after every render job.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap
import threading

import pytest

from webapp import tasks, worker
from webapp.config import PROJECT_ROOT
from webapp.services.publishing import render_process

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")

# A render job's allocations as the worker makes them, in a thread of their own (Huey's worker
# thread): the HTML, the queue's pickle of it, the pickle for the render child, the PDF's bytes
# and its hash; a few small objects survive each job. Prints the RSS growth (MB) after 5 jobs.
JOBS = textwrap.dedent(
    """
    import hashlib, pickle, sys, threading
    from pathlib import Path
    from webapp.services.publishing import render_process

    def rss_mb():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    if sys.argv[1] == "fixed":
        assert render_process.keep_large_blocks_apart()
    survivors = []

    def job(n):
        html = ("<p>" + "x" * 200 + str(n) + "</p>\\n") * 40000
        message = pickle.dumps((n, html))
        received = pickle.loads(message)[1]
        sent = pickle.dumps(received)
        pdf = bytes(3_000_000 + n)
        hashlib.sha256(pdf).hexdigest()
        survivors.append([object() for _ in range(2000)])

    def run(n):
        thread = threading.Thread(target=job, args=(n,))
        thread.start()
        thread.join()
        if sys.argv[1] == "trim":
            assert render_process.release_freed_memory()

    run(0)
    baseline = rss_mb()
    for n in range(1, 6):
        run(n)
    print(round(rss_mb() - baseline, 1))
    """
)


def _growth_mb(mode: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", JOBS, mode], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    return float(result.stdout.split()[-1])


@glibc_only
def test_without_either_measure_the_worker_keeps_the_megabytes_of_past_jobs():
    """The defect itself, so the two tests below are known to test something."""
    assert _growth_mb("none") > 8


@glibc_only
@pytest.mark.parametrize("mode", ["fixed", "trim"])
def test_memory_returns_to_the_baseline_after_each_job(mode):
    assert _growth_mb(mode) < 2


def test_the_worker_fixes_the_threshold_when_it_starts(app, monkeypatch: pytest.MonkeyPatch):
    calls: list[str] = []

    class Consumer:
        stop_flag = threading.Event()

        def _set_signal_handlers(self) -> None:
            pass

        def run(self) -> None:
            calls.append("run")

    monkeypatch.setattr(worker, "consumer_app", lambda: app)
    monkeypatch.setattr(worker, "lower_cpu_priority", lambda: "test")
    monkeypatch.setattr(worker, "start_heartbeat", lambda: None)
    monkeypatch.setattr(worker, "_recover_render_jobs", lambda: None)
    monkeypatch.setattr(worker.render_process, "warm_up", lambda: None)
    monkeypatch.setattr(worker.render_process, "keep_large_blocks_apart", lambda: calls.append("fixed") or True)
    monkeypatch.setattr(worker.tasks, "stop_renders_on", lambda flag: None)
    monkeypatch.setattr(worker.huey, "create_consumer", lambda **options: Consumer())
    worker.run_consumer()
    assert calls == ["fixed", "run"]


def test_every_render_task_trims_the_heap_even_when_the_job_is_gone(app_ctx, monkeypatch: pytest.MonkeyPatch):
    trims: list[bool] = []
    monkeypatch.setattr(render_process, "release_freed_memory", lambda: trims.append(True) or True)
    tasks.render_pdf_task.call_local(987654321)  # no such job: nothing to render
    assert trims == [True]
