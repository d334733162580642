"""Running IOP-rapport as a service: deploy/gunicorn.conf.py loads and serves, the systemd units
parse and say what they must, the environment file lists every setting, the Containerfile has
what the image needs."""

from __future__ import annotations

import configparser
import http.client
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
from gunicorn.config import Config as GunicornConfig

from webapp.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
UNITS = {
    "web": DEPLOY / "systemd" / "iop-rapport-web.service",
    "worker": DEPLOY / "systemd" / "iop-rapport-worker.service",
}
GUNICORN_ENV = [
    "GUNICORN_BIND",
    "GUNICORN_WORKERS",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_MAX_REQUESTS_JITTER",
    "GUNICORN_PRELOAD",
    "GUNICORN_WORKER_TMP_DIR",
    "LOG_FORMAT",
    "LOG_LEVEL",
]


def load_gunicorn_conf() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", GUNICORN_CONF)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gunicorn_settings(module: ModuleType) -> GunicornConfig:
    """The module's values as gunicorn reads a config file: each one through its validator."""
    config = GunicornConfig()
    for name, value in vars(module).items():
        if name in config.settings:
            config.set(name, value)
    return config


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in GUNICORN_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_gunicorn_conf_defaults_suit_two_cores(clean_env):
    clean_env.setattr(os, "cpu_count", lambda: 2)
    settings = gunicorn_settings(load_gunicorn_conf())
    assert settings.worker_class_str == "gthread" and settings.workers == 3 and settings.threads == 4
    assert settings.bind == ["127.0.0.1:8000"]
    assert settings.timeout == 60 and settings.graceful_timeout == 30 and settings.keepalive == 5
    assert settings.max_requests == 1000 and settings.max_requests_jitter == 100
    assert settings.preload_app is False  # a HUP reload must load the new code
    assert settings.accesslog is None and settings.errorlog == "-"
    assert settings.forwarded_allow_ips == []  # the app's ProxyFix decides, not gunicorn
    assert "%(q)s" not in settings.access_log_format and "%(r)s" not in settings.access_log_format
    assert settings.logconfig_dict["formatters"]["default"] == {
        "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"
    }


def test_gunicorn_conf_reads_the_environment(clean_env):
    for name, value in {
        "GUNICORN_BIND": "0.0.0.0:8000,unix:/run/iop.sock",
        "WEB_CONCURRENCY": "9",
        "GUNICORN_THREADS": "8",
        "GUNICORN_TIMEOUT": "90",
        "GUNICORN_GRACEFUL_TIMEOUT": "12",
        "GUNICORN_KEEPALIVE": "2",
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_PRELOAD": "1",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "warning",
    }.items():
        clean_env.setenv(name, value)
    settings = gunicorn_settings(load_gunicorn_conf())
    assert settings.bind == ["0.0.0.0:8000", "unix:/run/iop.sock"]
    assert settings.workers == 9 and settings.threads == 8 and settings.timeout == 90
    assert settings.graceful_timeout == 12 and settings.keepalive == 2 and settings.max_requests == 0
    assert settings.preload_app is True and settings.loglevel == "warning"
    assert settings.logconfig_dict["formatters"]["default"]["()"] == "webapp.request_log.JsonFormatter"
    assert settings.logconfig_dict["root"]["level"] == "WARNING"
    clean_env.setenv("GUNICORN_WORKERS", "2")
    assert gunicorn_settings(load_gunicorn_conf()).workers == 2  # GUNICORN_WORKERS wins over WEB_CONCURRENCY


def test_gunicorn_conf_refuses_an_unknown_log_format(clean_env):
    clean_env.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        load_gunicorn_conf()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def wait_until_serving(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited while starting"
        try:
            if get(port, "/healthz").status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not serve /healthz within {seconds} s")


GRACEFUL = 5


@contextmanager
def running_gunicorn(tmp_path: Path, **settings: str) -> Iterator[tuple[subprocess.Popen, int]]:
    """gunicorn with deploy/gunicorn.conf.py on a free port, serving; killed if the test did not stop it."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in GUNICORN_ENV},
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_GRACEFUL_TIMEOUT": str(GRACEFUL),
        "LOG_FORMAT": "json",
        "SECRET_KEY": "gunicorn-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.sqlite'}",
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3"),
        **settings,
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--config", str(GUNICORN_CONF), "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(port, process)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def stop(process: subprocess.Popen) -> list[dict]:
    """SIGTERM, as systemd and container engines stop it: gone within the graceful timeout, exit 0.
    Returns its log, every line of which must be JSON."""
    stopped = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=GRACEFUL + 5)
    assert process.returncode == 0 and time.monotonic() - stopped < GRACEFUL + 5
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


def test_gunicorn_serves_the_app_with_the_config_reloads_and_stops_on_sigterm(tmp_path):
    with running_gunicorn(tmp_path) as (process, port):
        response = get(port, "/healthz?probe=1", {"X-Request-ID": "deploy-test-0001"})
        assert response.status == 200 and response.getheader("X-Request-ID") == "deploy-test-0001"
        process.send_signal(signal.SIGHUP)  # graceful reload: new workers, still serving
        time.sleep(1)
        wait_until_serving(port, process)
        lines = stop(process)
    (request,) = [line for line in lines if line.get("request_id") == "deploy-test-0001"]
    assert request["route"] == "/healthz" and request["status"] == 200 and "probe" not in json.dumps(request)
    assert any(line["logger"] == "gunicorn.error" and "Handling signal: hup" in line["message"] for line in lines)
    assert any(line["logger"] == "gunicorn.error" and "Shutting down" in line["message"] for line in lines)


def test_a_preloaded_app_serves_from_forked_workers(tmp_path):
    """GUNICORN_PRELOAD=1: the master creates the app; post_fork gives each worker its own pool."""
    with running_gunicorn(tmp_path, GUNICORN_PRELOAD="1", GUNICORN_WORKERS="2") as (process, port):
        assert all(get(port, "/healthz").status == 200 for _ in range(6))
        lines = stop(process)
    assert sum("Booting worker" in line["message"] for line in lines) == 2
    assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL")]
    assert not [line for line in lines if line["logger"].startswith(("alembic", "fontTools"))]  # noise at INFO


def read_unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  (systemd keys are case-sensitive)
    unit.read(path)
    return unit


@pytest.mark.parametrize("role", UNITS)
def test_systemd_unit_has_what_a_service_needs(role):
    unit = read_unit(UNITS[role])
    service = unit["Service"]
    assert service["User"] == service["Group"] == "iop-rapport"
    assert service["EnvironmentFile"] == "/etc/iop-rapport/iop-rapport.env"
    assert service["Restart"] in ("on-failure", "always") and service["KillSignal"] == "SIGTERM"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ReadWritePaths": "/opt/iop-rapport/instance",
    }.items():
        assert service[key] == value, key
    after = unit["Unit"]["After"].split()
    assert "postgresql.service" in after and any(name.startswith("redis") for name in after)
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_stop_timeouts_outlast_the_grace_periods():
    web, worker = read_unit(UNITS["web"])["Service"], read_unit(UNITS["worker"])["Service"]
    assert web["ExecStart"].endswith("gunicorn --config deploy/gunicorn.conf.py wsgi:app")
    assert web["ExecReload"] == "/bin/kill -s HUP $MAINPID"
    assert int(web["TimeoutStopSec"]) > load_gunicorn_conf().graceful_timeout
    assert worker["ExecStart"].endswith("python -m webapp.worker")
    # config.py: a running render gets RENDER_SHUTDOWN_GRACE_SECONDS, the stop timeout about 15 s more.
    grace = getattr(Config, "RENDER_SHUTDOWN_GRACE_SECONDS", 20)  # rendering.RenderSettings' default
    assert int(worker["TimeoutStopSec"]) >= grace + 15


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("role", UNITS)
def test_systemd_analyze_verifies_the_unit(role, tmp_path):
    """systemd's own parser, on a copy whose paths point at this checkout (verify checks that the
    commands exist); it prints every unknown key or bad value, so it must print nothing."""
    venv_bin = Path(sys.executable).parent
    text = UNITS[role].read_text()
    text = text.replace("/opt/iop-rapport/.venv/bin", str(venv_bin)).replace("/opt/iop-rapport", str(ROOT))
    copy = tmp_path / UNITS[role].name
    copy.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


ENV_READ = re.compile(r"""environ(?:\.get\(|\[)\s*"([A-Z][A-Z0-9_]*)"|_(?:int|flag)\("([A-Z][A-Z0-9_]*)\"""")


def test_the_environment_file_lists_every_setting():
    """Add a new setting's variable to deploy/iop-rapport.env.example (commented, with its default)."""
    read = set()
    for source in (ROOT / "webapp" / "config.py", ROOT / "webapp" / "tasks.py", GUNICORN_CONF):
        read |= {a or b for a, b in ENV_READ.findall(source.read_text())}
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "GUNICORN_WORKERS"} <= read
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", (DEPLOY / "iop-rapport.env.example").read_text(), re.M))
    assert read - listed == set(), "missing from deploy/iop-rapport.env.example"


def test_the_containerfile_builds_a_non_root_image_that_serves_and_checks_its_health():
    text = (ROOT / "Containerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", text, re.M)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "tini"):
        assert package in text, package
    assert re.search(r"^USER 10001:10001$", text, re.M) and "EXPOSE 8000" in text
    assert "HEALTHCHECK" in text and '"healthcheck"' in text
    for directory in ("webapp", "templates", "static", "migrations", "translations", "deploy"):
        assert f"COPY {directory} ./{directory}" in text, directory
    entrypoint = DEPLOY / "container-entrypoint.sh"
    assert os.access(entrypoint, os.X_OK)
    subprocess.run(["sh", "-n", str(entrypoint)], check=True, timeout=10)
    script = entrypoint.read_text()
    assert "exec gunicorn --config deploy/gunicorn.conf.py" in script and "exec python -m webapp.worker" in script
    assert "/healthz" in script


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is not installed")
def test_hadolint_finds_nothing_in_the_containerfile():
    result = subprocess.run(["hadolint", str(ROOT / "Containerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
