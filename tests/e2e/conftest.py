"""A real Celery worker on the real broker (Redis) and database (PostgreSQL), started by the tests."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require_service
from tests.e2e.browser import browser, new_page  # noqa: F401 - fixtures for the browser tests

ROOT = Path(__file__).resolve().parents[2]


def require_real_stack() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        if os.getenv("REQUIRE_SERVICES") == "1":
            pytest.fail("end-to-end tests need DATABASE_URL=postgres://... (REQUIRE_SERVICES=1)")
        pytest.skip("end-to-end tests need PostgreSQL (set DATABASE_URL=postgres://...; scripts/test does)")
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        if os.getenv("REQUIRE_SERVICES") == "1":
            pytest.fail("end-to-end tests need CELERY_BROKER_URL=redis://... (REQUIRE_SERVICES=1)")
        pytest.skip("end-to-end tests need CELERY_BROKER_URL=redis://... (scripts/test sets it)")
    require_service("PostgreSQL", "postgres://{HOST}:{PORT}".format(**settings.DATABASES["default"]))
    require_service("Redis", broker)


def worker_env(db_name: str, **extra: str) -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db_name}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        PYTHONUNBUFFERED="1",
        WEBHOOK_ALLOW_PRIVATE_NETWORKS="1",  # the loopback receivers
    )
    env.update(extra)  # may name a broker of the test's own (CELERY_BROKER_URL)
    return env


def start_worker(db_name: str, log_path: Path, concurrency: int = 2, beat: bool = False, **extra_env: str):
    command = [
        sys.executable, "-m", "celery", "-A", "replyqueue", "worker", "--concurrency", str(concurrency),
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]
    if beat:
        command += ["--beat", "--schedule", str(log_path.with_suffix(".schedule"))]
    return _spawn(command, db_name, log_path, extra_env)


def start_beat(db_name: str, log_path: Path, **extra_env: str):
    """Celery beat on its own, as docker-compose runs it (the worker fixture embeds it instead)."""
    command = [
        sys.executable, "-m", "celery", "-A", "replyqueue", "beat", "--loglevel", "INFO",
        "--schedule", str(log_path.with_suffix(".schedule")),
    ]
    return _spawn(command, db_name, log_path, extra_env)


def start_gunicorn(db_name: str, log_path: Path, port: int, **extra_env: str):
    """The production web process: gunicorn on loopback, DEBUG off unless extra_env says otherwise."""
    command = [
        sys.executable, "-m", "gunicorn", "replyqueue.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--timeout", "30", "--access-logfile", "-",
    ]
    return _spawn(command, db_name, log_path, {"DEBUG": "0", **extra_env})


def _spawn(command: list[str], db_name: str, log_path: Path, extra_env: dict):
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        command, cwd=ROOT, env=worker_env(db_name, **extra_env), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log_path = log_path
    return process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_worker(process, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)  # the worker's own process group: only what we started
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def purge_broker() -> None:
    from replyqueue.celery import app

    with app.connection_for_write() as connection:
        app.control.purge(connection=connection)


@contextmanager
def workers_on_their_own_queue(tmp_path: Path, name: str, concurrency: int, beat: bool, **env: str):
    """Start workers (`start(worker_name, beat=..., **more_env)`) on a queue of their own, which
    this process enqueues to as well, so no other test's worker takes these tasks; stop them and
    drop the queue after."""
    from django.db import connection

    from replyqueue.celery import app as celery_app

    require_real_stack()
    queue = f"test-{name}-{uuid.uuid4().hex[:8]}"
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    started = []

    def start(worker_name: str, beat: bool = beat, **more_env: str):
        process = start_worker(
            connection.settings_dict["NAME"], tmp_path / f"{worker_name}.log", concurrency=concurrency, beat=beat,
            CELERY_TASK_DEFAULT_QUEUE=queue, **{**env, **more_env},
        )
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            stop_worker(process)
        celery_app.conf.task_default_queue = default_queue
        with celery_app.connection_for_write() as conn:
            conn.default_channel.client.delete(queue, f"_kombu.binding.{queue}")


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A worker (with beat) against the test database; stopped after the test."""
    require_real_stack()
    from django.db import connection

    purge_broker()
    process = start_worker(
        connection.settings_dict["NAME"], tmp_path / "worker.log", beat=True, SWEEP_INTERVAL="1",
        WEBHOOK_RETRY_SCHEDULE="0.5,1,2",  # the webhook schedule in seconds, not hours (docs/publishing.md)
    )
    yield process
    stop_worker(process)
    if os.getenv("SHOW_WORKER_LOG"):
        print(process.log_path.read_text())


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
