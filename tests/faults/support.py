"""Helpers for the fault tests: a private Redis server, the project's processes (workers,
beats, a web process) started with the test database, waiting, raw database sessions, HTTP."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from mdprod.celery import app as celery_app
from tests.faults import mailbox

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WAIT_SECONDS = 60
REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")

# Every fault test module: ``pytestmark = FAULT``.
FAULT = [
    pytest.mark.fault,
    pytest.mark.postgres,  # skipped on SQLite by tests/conftest.py, with the reason
    pytest.mark.django_db(transaction=True),  # the subprocesses only see committed rows
    pytest.mark.skipif(
        not (REDIS_SERVER and REDIS_CLI),
        reason="needs redis-server and redis-cli on PATH (the fault tests start their own Redis)",
    ),
]


def wait_for(predicate, what: str, seconds: float = WAIT_SECONDS, interval: float = 0.2):
    """Poll until ``predicate()`` is true (returning its value); fail naming ``what``."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_subprocesses() -> str:
    """The URL of the test database pytest-django created (test_<name>), for subprocesses."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def raw_connection(**kwargs) -> psycopg.Connection:
    """A connection of its own to the test database, outside Django (to hold locks, or to
    terminate another session)."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or "5432",
        **kwargs,
    )


def sessions_waiting_on_a_lock() -> list[int]:
    """Backend pids in the test database that wait for a lock held by another transaction.

    A session of its own in autocommit: inside a transaction, pg_stat_activity is a snapshot
    taken at its first read."""
    with raw_connection(autocommit=True) as monitor:
        rows = monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        ).fetchall()
    return [pid for (pid,) in rows]


# Redis ------------------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A redis-server child process on a free port: ``stop()`` shuts it down as an operator
    would (``redis-cli shutdown nosave``), ``start()`` brings it back on the same port."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - fixed arguments
            [REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )

    def ping(self) -> bool:
        return self.cli("ping").stdout.strip() == "PONG"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                REDIS_SERVER,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self.ping, f"redis-server on port {self.port}", seconds=20, interval=0.05)

    def stop(self) -> None:
        self.cli("shutdown", "nosave")
        if self.process is not None:
            self.process.wait(timeout=20)
            self.process = None

    def close(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def queue_length(self, queue: str = "celery") -> int:
        return int(self.cli("llen", queue).stdout.strip() or 0)

    def unacked(self) -> int:
        return int(self.cli("hlen", "unacked").stdout.strip() or 0)


# Subprocesses -----------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown handler runs, as in an OOM kill."""
        if self.running():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=20)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (a Celery worker finishes its current task first), then SIGKILL."""
        if self.running():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


class Processes:
    """Starts the project's own commands with the test database, a broker and the recording
    e-mail backend in their environment; stops whatever is left at teardown."""

    def __init__(self, directory: Path, mailbox_path: Path):
        self.directory = directory
        self.mailbox_path = mailbox_path
        self.started: list[Process] = []

    def env(self, broker_url: str, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            # The processes run as deployed, not with the suite's settings (tests/settings.py).
            "DJANGO_SETTINGS_MODULE": "mdprod.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url_for_subprocesses(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DATABASE_CONN_MAX_AGE": "0",
            "EMAIL_BACKEND": "tests.faults.mailbox.RecordingBackend",
            mailbox.MAILBOX_ENV: str(self.mailbox_path),
            "MDPROD_LOG_LEVEL": "INFO",
            # The tests' webhook receivers listen on 127.0.0.1.
            "MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
        }
        for name in ("CACHE_URL", "REDIS_URL"):  # throttles in memory, not on a shared Redis
            env.pop(name, None)
        env.update(extra)
        return env

    def start(self, name: str, args: list[str], env: dict[str, str]) -> Process:
        log_path = self.directory / f"{name}.log"
        with log_path.open("w") as log:
            popen = subprocess.Popen(  # noqa: S603 - fixed arguments
                args,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        process = Process(name, popen, log_path)
        self.started.append(process)
        return process

    def worker(self, name: str, broker_url: str, **extra: str) -> Process:
        return self.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "mdprod",
                "worker",
                "--pool=solo",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@%h",
            ],
            self.env(broker_url, **extra),
        )

    def beat(self, name: str, broker_url: str, **extra: str) -> Process:
        return self.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "mdprod",
                "beat",
                "-l",
                "info",
                "--max-interval",
                "1",
                "-s",
                str(self.directory / f"{name}-schedule"),
            ],
            self.env(broker_url, **extra),
        )

    def web(self, name: str, broker_url: str, **extra: str) -> tuple[Process, str]:
        """The app in a web process of its own, one thread and a persistent database connection
        (as a production worker process keeps one); returns it and its base URL."""
        port = free_port()
        env = self.env(
            broker_url,
            DJANGO_DEBUG="0",
            MDPROD_INSECURE_HTTP="1",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DATABASE_CONN_MAX_AGE="60",
            **extra,
        )
        process = self.start(
            name,
            [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                "--nothreading",
                "--skip-checks",
                f"127.0.0.1:{port}",
            ],
            env,
        )
        base = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            if not process.running():
                pytest.fail(f"{name} exited:\n{process.log()}")
            try:
                return http("GET", f"{base}/api/v1/me/")[0] > 0
            except OSError:
                return False

        wait_for(answers, f"the web process {name}", seconds=WAIT_SECONDS, interval=0.2)
        return process, base

    def close(self) -> None:
        for process in self.started:
            try:
                process.stop(timeout=15)
            except (OSError, subprocess.SubprocessError):
                pass
        for process in self.started:  # shown when the test fails
            print(f"----- {process.name} (exit {process.popen.returncode}) -----")
            print(process.log()[-6000:])


def send_task(task, broker_url: str, **options) -> None:
    """Send ``task`` through the broker at ``broker_url`` (the test's own Redis), as beat does."""
    with celery_app.connection_for_write(broker_url) as conn:
        task.apply_async(connection=conn, **options)


def http(method: str, url: str, *, token: str | None = None, body: dict | None = None):
    """(status, headers, body parsed as JSON or text); never raises for an HTTP error status."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - local http
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, headers, raw = exc.code, exc.headers, exc.read()
        exc.close()
    text = raw.decode(errors="replace")
    try:
        return status, headers, json.loads(text)
    except ValueError:
        return status, headers, text
