"""One PDF render in a child process that exits when it is done.

WeasyPrint keeps memory it once needed (caches, fragmented heaps): a worker that renders in
its own process grows by megabytes per render and never gives them back. So the worker hands
each render to a short-lived child and only waits for it: when the child exits, all its memory
goes with it, and a child the kernel kills for want of memory fails the job instead of the
worker.

Children are forked from a "forkserver" that has WeasyPrint loaded already, so a render does
not pay for importing it (about a second) and never inherits the worker's threads or its
database connections. The child needs no app and no database: it gets the HTML and answers
through a pipe with its stages and, at the end, the PDF's bytes. The parent (the worker's
thread) stores them, renews the job's lease while it waits, and gives up when its own
shutdown grace period runs out.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext

from flask import current_app

# What the forkserver loads once, so that every child starts with it in memory.
PRELOAD = ["webapp.document.pdf", "webapp.document.accessibility"]
_context_lock = threading.Lock()
_context: ForkServerContext | None = None
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    page_count: int
    # What the accessibility check found (empty when it passed or was not asked for).
    problems: tuple[str, ...] = ()


class RenderProcessError(Exception):
    """The child failed; ``kind`` is the name of the error it met (or how it ended)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


class RenderAbandoned(Exception):
    """The worker is stopping and the render did not finish within the grace period."""


def _forkserver() -> ForkServerContext:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def warm_up() -> None:
    """Start the forkserver now (it loads WeasyPrint, a second), not at the first render."""
    from multiprocessing import forkserver

    _forkserver()
    forkserver.ensure_running()


def _child(html: str, check: bool, static: tuple[str, str], conn: Connection) -> None:
    """The child's whole life: render, check, answer, exit.

    It ignores SIGINT and SIGTERM: a service manager or a Ctrl+C that signals the whole
    process group must leave the decision to the worker (finish within the grace period,
    else kill the child and hand the job back).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    try:
        from flask import Flask

        from webapp.document.pdf import render_pdf_in_stages

        # The renderer reads fonts and print CSS from the app's static folder, through an app
        # context; a bare app with that folder is enough (no configuration, no database).
        folder, url_path = static
        with Flask("webapp", static_folder=folder, static_url_path=url_path).app_context():
            pdf, pages = render_pdf_in_stages(html, lambda step: conn.send(("stage", step)))
        problems: list[str] = []
        if check:
            from webapp.document.accessibility import check_pdf

            conn.send(("stage", "check"))
            problems = list(check_pdf(pdf))
        conn.send(("done", pages, problems))
        conn.send_bytes(pdf)
    except Exception as error:  # noqa: BLE001  (everything the parent must hear about)
        conn.send(("error", type(error).__name__, str(error)))
    finally:
        conn.close()


# glibc's malloc hands blocks of 128 KiB and more to mmap and back to the kernel when freed, but
# each time such a block is freed it raises that threshold to the block's size (up to 32 MiB).
# From then on a job's HTML, its pickles and the PDF's bytes (megabytes each) come from the heap,
# and what they leave behind stays with the worker: it grew by megabytes with every large
# render (bench/worker_memory.py: +7 and +9 MB after two renders of a 100-page report).
M_MMAP_THRESHOLD = -3  # malloc.h
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value, kept fixed


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def keep_large_blocks_apart() -> bool:
    """In the worker, at start: large blocks always come from mmap, so each goes back to the
    kernel when freed, whenever that is. glibc only (elsewhere nothing happens: False)."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1)


def release_freed_memory() -> bool:
    """After a render job: give the heap's free pages back to the kernel (glibc's
    malloc_trim), so the worker's memory returns to where it was before the job."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def _die_with_parent() -> None:
    """Linux: be killed when the forkserver goes, which it does when the worker dies (even by
    SIGKILL), so no render outlives its worker. Elsewhere the render ends by itself."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def render_in_child(
    html: str,
    *,
    check: bool,
    on_stage: Callable[[str], None],
    on_tick: Callable[[], None],
    tick_seconds: float,
    stop: threading.Event | None = None,
    grace_seconds: float = 0.0,
    on_start: Callable[[int], None] | None = None,
) -> RenderResult:
    """Render ``html`` in a child process; ``on_stage`` hears each step ("parse", "layout",
    "write", and "check" when ``check``), ``on_tick`` is called at least every ``tick_seconds``
    while waiting (the lease). Once ``stop`` is set, the child gets ``grace_seconds`` more to
    finish, then it is killed and RenderAbandoned raised. ``on_start`` hears the child's pid
    (the memory bench and the tests watch it). Needs an app context (its static folder).
    """
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    # daemon: a worker that exits never waits for (or leaves behind) its render.
    static = (str(current_app.static_folder), current_app.static_url_path or "/static")
    process = context.Process(target=_child, args=(html, check, static, sender), name="pdf-render", daemon=True)
    process.start()
    sender.close()  # only the child writes: when it dies, the pipe reports EOF
    give_up_at: float | None = None
    try:
        if on_start is not None and process.pid is not None:
            on_start(process.pid)
        while True:
            if receiver.poll(tick_seconds):
                try:
                    message = receiver.recv()
                except EOFError:
                    raise _died(process) from None
                if message[0] == "stage":
                    on_stage(message[1])
                elif message[0] == "done":
                    try:
                        pdf = receiver.recv_bytes()
                    except EOFError:
                        raise _died(process) from None
                    return RenderResult(pdf, int(message[1]), tuple(message[2]))
                else:
                    raise RenderProcessError(message[1], message[2])
            else:
                on_tick()
            if stop is not None and stop.is_set():
                if give_up_at is None:
                    give_up_at = time.monotonic() + grace_seconds
                elif time.monotonic() >= give_up_at:
                    raise RenderAbandoned(f"the worker is stopping; the render took longer than {grace_seconds} s")
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)


def _died(process: multiprocessing.process.BaseProcess) -> RenderProcessError:
    process.join(5)
    code = process.exitcode
    if code is not None and code < 0:
        how = f"the render process was killed by signal {-code}"
        if code == -9:
            how += " (perhaps the machine ran out of memory)"
    else:
        how = f"the render process exited with code {code}"
    return RenderProcessError("RenderProcessDied", how)
