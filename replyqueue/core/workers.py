"""Which worker process holds a claim, and whether it is still alive.

Each worker process (every prefork child) stamps its own `WorkerHeartbeat` row from a daemon
thread every WORKER_HEARTBEAT_INTERVAL seconds, and writes its name (hostname:pid) into the
`claimed_by` of every row it claims. A claim whose worker has not beaten for WORKER_DEAD_SECONDS
is released by the sweepers at once, instead of waiting STALE_CLAIM_SECONDS. A claimant with no
heartbeat row at all (a web process, an eager test, an older worker) keeps the old rule: its
claim is released after STALE_CLAIM_SECONDS.
"""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)
_started: dict[str, threading.Event] = {}


def current_worker() -> str:
    """This process's name in claims and heartbeats (the pid changes in each prefork child)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(worker: str | None = None) -> None:
    from replyqueue.core.models import WorkerHeartbeat

    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker=worker or current_worker()).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(worker=worker or current_worker(), defaults={"seen_at": now, "started_at": now})


def start_heartbeat() -> None:
    """Beat once now (before the process takes any task), then from a daemon thread. Idempotent
    per process; the thread dies with the process, which is the point."""
    worker = current_worker()
    if worker in _started:
        return
    stop = _started[worker] = threading.Event()
    try:
        beat(worker)
    except Exception:  # the database is not there yet: the thread keeps trying
        log.warning("worker heartbeat failed", exc_info=True)
    interval = settings.WORKER_HEARTBEAT_INTERVAL

    def run() -> None:
        while not stop.wait(interval):
            try:
                beat(worker)
            except Exception:  # a database blip: beat again next time (the sweepers tolerate gaps)
                log.warning("worker heartbeat failed", exc_info=True)
            finally:
                close_old_connections()
                connection.close()

    threading.Thread(target=run, name="worker-heartbeat", daemon=True).start()


def dead_workers(limit: int = 500) -> list[str]:
    """Workers whose last beat is older than WORKER_DEAD_SECONDS (seen in the last day)."""
    from replyqueue.core.models import WorkerHeartbeat

    now = timezone.now()
    dead = now - timedelta(seconds=settings.WORKER_DEAD_SECONDS)
    rows = WorkerHeartbeat.objects.filter(seen_at__lt=dead, seen_at__gt=now - timedelta(days=1))
    return list(rows.order_by("-seen_at").values_list("worker", flat=True)[:limit])


def released_claim_q(now=None) -> Q:
    """Rows whose claim may be taken over: none, older than STALE_CLAIM_SECONDS, or held by a
    worker that stopped beating."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.STALE_CLAIM_SECONDS)
    q = Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    dead = dead_workers()
    return q | Q(claimed_by__in=dead) if dead else q


def held_by_dead_q() -> Q | None:
    dead = dead_workers()
    return Q(claimed_at__isnull=False, claimed_by__in=dead) if dead else None


def heartbeats_prune(older_than: timedelta = timedelta(days=2)) -> int:
    from replyqueue.core.models import WorkerHeartbeat

    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - older_than).delete()
    return deleted
