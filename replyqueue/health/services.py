"""Liveness and readiness: is the process up; can it reach the database and the broker, and has
a worker run the beat-driven heartbeat recently."""

import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from replyqueue.health.models import Heartbeat

WORKER_HEARTBEAT = "worker"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def heartbeat_record(*, name: str = WORKER_HEARTBEAT) -> Heartbeat:
    """Called by the heartbeat task on a worker (beat sends it every HEARTBEAT_INTERVAL)."""
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now(), "worker": socket.gethostname()[:200]}
    )
    return heartbeat


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Check(True, "ok")
    except Exception as error:  # any driver error means "not ready"; the reason is reported
        return Check(False, f"unreachable: {error.__class__.__name__}")


def check_broker() -> Check:
    from replyqueue.celery import app

    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=settings.READY_CHECK_TIMEOUT)
        return Check(True, "ok")
    except Exception as error:  # kombu raises the transport's own errors
        return Check(False, f"unreachable: {error.__class__.__name__}")


def check_worker_heartbeat(*, max_age_seconds: float | None = None) -> Check:
    max_age = timedelta(seconds=max_age_seconds or settings.READY_HEARTBEAT_MAX_AGE)
    try:
        heartbeat = Heartbeat.objects.filter(name=WORKER_HEARTBEAT).first()
    except Exception as error:
        return Check(False, f"unknown: {error.__class__.__name__}")
    if heartbeat is None:
        return Check(False, "no worker heartbeat seen yet")
    age = timezone.now() - heartbeat.seen_at
    if age > max_age:
        return Check(False, f"last worker heartbeat {age.total_seconds():.0f}s ago (limit {max_age.total_seconds():.0f}s)")
    return Check(True, f"heartbeat {age.total_seconds():.0f}s ago")


def readiness() -> dict[str, Check]:
    return {"database": check_database(), "broker": check_broker(), "worker": check_worker_heartbeat()}
