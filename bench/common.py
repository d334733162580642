"""Shared helpers for the benchmarks: a fresh demo database, a gunicorn server, a tiny HTTP client.

Nothing here touches the developer's own database (instance/iop-rapport.sqlite): every
benchmark gets a new SQLite file in a temporary directory, migrated and seeded with the
demo through the app's own CLI (`flask --app wsgi db upgrade`, `seed-demo`). Servers only
listen on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
RESULTS_DIR = BENCH_DIR / "results"

HOST = "127.0.0.1"
DEMO_PASSWORD = "demo-iop-2026"
ADMIN_EMAIL = "admin@demo.iop"
# A fixed key, so every gunicorn worker (and every benchmark process) signs sessions alike
# and nothing is written to instance/secret_key.
BENCH_SECRET_KEY = "iop-rapport-benchmark-secret-not-for-production"

# Gunicorn settings shared by the app and the bare insert app, so the two are measured alike.
# Measured on the 2-core machine (see bench/README.md): 4 sync workers beat gthread
# (4 workers x 4 threads) for both apps; the app's requests are CPU-bound Python, so threads
# inside a worker only add GIL contention.
DEFAULT_WORKERS = 4
DEFAULT_WORKER_CLASS = "sync"
DEFAULT_THREADS = 4

CSRF_PATTERN = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')
BASE_VERSION_PATTERN = re.compile(r'<input[^>]*\bname="base_version"[^>]*>')
VALUE_PATTERN = re.compile(r'\bvalue="(\d+)"')


# --------------------------------------------------------------------------- environment


def bench_env(database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment for app subprocesses: a temporary database and a fixed secret key."""
    env = dict(os.environ)
    env["SECRET_KEY"] = BENCH_SECRET_KEY
    env.pop("IOP_DEMO", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def venv_python() -> str:
    candidate = VENV_BIN / "python"
    return str(candidate) if candidate.exists() else sys.executable


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


@dataclass
class BenchDatabase:
    directory: Path
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def env(self, **extra: str) -> dict[str, str]:
        return bench_env(self.url, **extra)

    def connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30)
        connection.row_factory = sqlite3.Row
        return connection


@contextlib.contextmanager
def fresh_database(keep: bool = False) -> Iterator[BenchDatabase]:
    """A new SQLite database in a temp dir, migrated and seeded with the demo; removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="iop-bench-"))
    database = BenchDatabase(directory, directory / "iop-bench.sqlite")
    try:
        flask = str(VENV_BIN / "flask") if (VENV_BIN / "flask").exists() else "flask"
        _run([flask, "--app", "wsgi", "db", "upgrade"], database.env())
        _run([flask, "--app", "wsgi", "seed-demo"], database.env(IOP_DEMO="1"))
        yield database
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


def editable_blocks(database: BenchDatabase, report_id: int = 2) -> dict[str, list[int]]:
    """Per writer email (skribent.<unit>@demo.iop), the ids of their unit's editable blocks in the
    report (draft or sent back); plus ADMIN_EMAIL with every editable block of the report."""
    with contextlib.closing(database.connect()) as connection:
        rows = connection.execute(
            """
            SELECT u.email AS email, b.id AS block_id
            FROM users u
            JOIN unit_memberships m ON m.user_id = u.id
            JOIN blocks b ON b.unit_id = m.unit_id AND b.report_id = ?
                          AND b.state IN ('draft', 'changes_requested')
            JOIN user_roles r ON r.user_id = u.id AND r.role = 'writer'
            WHERE u.email LIKE 'skribent.%@demo.iop'
            ORDER BY u.email, b.id
            """,
            (report_id,),
        ).fetchall()
        state = connection.execute("SELECT state FROM reports WHERE id = ?", (report_id,)).fetchone()
        if state is None or state["state"] != "open":
            raise RuntimeError(f"report {report_id} is not open in the demo (state: {state and state['state']})")
        everything = [
            r["id"]
            for r in connection.execute(
                "SELECT id FROM blocks WHERE report_id = ? AND state IN ('draft', 'changes_requested') ORDER BY id",
                (report_id,),
            )
        ]
    result: dict[str, list[int]] = {}
    for row in rows:
        result.setdefault(row["email"], []).append(row["block_id"])
    result[ADMIN_EMAIL] = everything
    return result


# --------------------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path
    command: list[str] = field(default_factory=list)

    @property
    def base(self) -> tuple[str, int]:
        return HOST, self.port

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def gunicorn_command(
    app: str, port: int, *, workers: int, worker_class: str, threads: int, chdir: Path | None = None
) -> list[str]:
    gunicorn = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"
    command = [gunicorn, "-w", str(workers), "-b", f"{HOST}:{port}", "--worker-class", worker_class]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    if chdir is not None:
        command += ["--chdir", str(chdir)]
    # Long enough that a worker stuck behind SQLite's busy_timeout is not killed mid-benchmark.
    command += ["--timeout", "60", "--graceful-timeout", "5", app]
    return command


def wait_for_health(port: int, process: subprocess.Popen, timeout: float = 30.0, path: str = "/healthz") -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before {path} answered")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return
            last_error = RuntimeError(f"{path} answered {response.status}")
        except OSError as error:
            last_error = error
        time.sleep(0.1)
    raise RuntimeError(f"{path} did not answer within {timeout:.0f} s: {last_error}")


@contextlib.contextmanager
def gunicorn(
    app: str,
    env: dict[str, str],
    *,
    workers: int = DEFAULT_WORKERS,
    worker_class: str = DEFAULT_WORKER_CLASS,
    threads: int = DEFAULT_THREADS,
    chdir: Path | None = None,
    log_dir: Path | None = None,
) -> Iterator[Server]:
    """Start gunicorn on a free 127.0.0.1 port, wait for /healthz, stop it afterwards."""
    port = free_port()
    command = gunicorn_command(app, port, workers=workers, worker_class=worker_class, threads=threads, chdir=chdir)
    log_dir = log_dir or Path(tempfile.gettempdir())
    log_path = log_dir / f"gunicorn-{app.replace(':', '-')}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, port, log_path, command)
    try:
        try:
            wait_for_health(port, process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n--- gunicorn log ---\n{server.log_tail()}") from None
        yield server
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM (gunicorn's graceful stop) to the process we started, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Our own process group (start_new_session=True): the master and its workers.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# --------------------------------------------------------------------------- HTTP client


class HttpClient:
    """A keep-alive http.client connection with a cookie jar; reconnects when the server closes.

    Gunicorn's sync workers close the connection after every response (no keep-alive);
    http.client then opens a new one for the next request by itself.
    """

    def __init__(self, port: int, host: str = HOST, timeout: float = 60.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.connection = http.client.HTTPConnection(host, port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        self.connection.close()

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        body = urlencode(form).encode() if form is not None else None
        all_headers = {"Accept": "text/html"}
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if headers:
            all_headers.update(headers)
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            # A dropped connection is reported to the caller, never retried silently.
            self.connection.close()
            raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            pair = cookie.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "expires=thu, 01 jan 1970" in cookie.lower() or "max-age=0" in cookie.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        if response.will_close:
            self.connection.close()
        return response.status, data.decode("utf-8", errors="replace"), dict(response.headers)


def find_csrf_token(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1) or match.group(2)


def find_base_version(html: str) -> int:
    tag = BASE_VERSION_PATTERN.search(html)
    value = VALUE_PATTERN.search(tag.group(0)) if tag else None
    if not value:
        raise RuntimeError("no base_version in the page")
    return int(value.group(1))


def sign_in(client: HttpClient, email: str, password: str = DEMO_PASSWORD) -> None:
    status, html, _ = client.request("GET", "/login")
    if status != 200:
        raise RuntimeError(f"GET /login answered {status}")
    token = find_csrf_token(html)
    status, html, _ = client.request("POST", "/login", {"email": email, "password": password, "csrf_token": token})
    if status != 302:
        raise RuntimeError(f"sign-in as {email} answered {status}")


# --------------------------------------------------------------------------- figures


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank-interpolated percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# Paragraph material for generated Markdown (Swedish report prose; the words vary by index).
WORDS = (
    "verksamheten har under perioden tagit emot besökare från flera länder i Europa som saknar "
    "bostad och arbete i Stockholm personalen har erbjudit rådgivning om rättigheter arbetsmarknad "
    "hälsa och boende samt hänvisat vidare till vården och andra aktörer i partnerskapet antalet "
    "övernattningar ökade under vintern och beläggningen var hög under januari och februari "
    "samarbetet med socialtjänsten och de andra organisationerna fungerade väl och flera besökare "
    "fick hjälp att söka arbete eller att återvända till sitt hemland med stöd"
).split()


def words(count: int, seed: int = 0) -> str:
    out = []
    for index in range(count):
        out.append(WORDS[(index * 7 + seed * 13 + index // len(WORDS)) % len(WORDS)])
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def prose(word_count: int, seed: int = 0, paragraph_words: int = 75) -> str:
    """``word_count`` words of plain Markdown paragraphs."""
    paragraphs = []
    remaining, index = word_count, 0
    while remaining > 0:
        n = min(paragraph_words, remaining)
        paragraphs.append(words(n, seed + index))
        remaining -= n
        index += 1
    return "\n\n".join(paragraphs)


def print_table(rows: list[tuple[str, ...]], header: tuple[str, ...] | None = None) -> None:
    all_rows = ([header] if header else []) + rows
    widths = [max(len(str(row[i])) for row in all_rows) for i in range(len(all_rows[0]))]
    for n, row in enumerate(all_rows):
        print("  " + "  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if header and n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def write_json(path: str | os.PathLike | None, data: dict) -> None:
    if not path:
        return
    import json

    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# --------------------------------------------------------------------------- CPU accounting (Linux /proc)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants (e.g. gunicorn and its workers)."""
    total, stack, seen = 0.0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
        stack += _children(current)
    return total


def system_cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies from /proc/stat, for the machine's CPU use over an interval."""
    try:
        with open("/proc/stat") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return float(sum(values) - idle), float(sum(values))
