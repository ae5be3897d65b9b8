"""beat keeps its schedule file under VAR_DIR, whatever directory it starts in (a checkout, say)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", [["beat"], ["worker", "--beat", "--pool", "solo"]], ids=["beat", "worker-with-beat"])
def test_beat_writes_its_schedule_under_var_dir_not_where_it_starts(command, tmp_path):
    var_dir = tmp_path / "var"  # not there yet: a fresh deployment
    started_in = tmp_path / "checkout"
    started_in.mkdir()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "replyqueue.settings",
        "SECRET_KEY": "beat-test", "VAR_DIR": str(var_dir), "CELERY_BROKER_URL": "memory://",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    log = tmp_path / "celery.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "replyqueue", *command, "--loglevel", "WARNING", "--logfile", str(log)],
        cwd=started_in, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(var_dir.glob("celerybeat-schedule*")) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert list(var_dir.glob("celerybeat-schedule*")), log.read_text() if log.exists() else "no schedule, no log"
        assert not list(started_in.iterdir())
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
