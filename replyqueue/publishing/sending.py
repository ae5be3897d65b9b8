"""Sending a batch of publications at once and recording each outcome: the worker side of the outbox."""

import logging
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.models import F
from django.utils import timezone

from replyqueue.publishing.claiming import publications_claim
from replyqueue.publishing.connectors import Outcome, RetrySchedule, get_connector
from replyqueue.publishing.models import Publication, PublicationStatus

log = logging.getLogger(__name__)
MAX_DEFER = timedelta(days=2)


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, never sooner than the server's Retry-After."""
    ceiling = min(settings.PUBLISH_BACKOFF_CAP, settings.PUBLISH_BACKOFF_BASE * 2 ** max(attempt - 1, 0))
    delay = random.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.PUBLISH_BACKOFF_CAP * 6))
    return delay


def publication_send(*, publication_id: int) -> None:
    """Send this one publication (if it is due and nobody else has it) and record the outcome."""
    publications_send(publication_ids=[publication_id], batch_size=1)


def publications_send(*, publication_ids: list[int], batch_size: int | None = None) -> int:
    """Claim the due ones of `publication_ids` (filled up to `batch_size` with others due through
    the first one's connector and channel), send them at once, one thread each, and record each
    outcome as soon as it is known. Returns how many were claimed.

    Each publication is claimed before its request and recorded after it by a conditional UPDATE,
    exactly as when sent one by one: a crash leaves `sending` rows that the sweeper turns
    `unknown`, reconciled before any re-send."""
    batch = publications_claim(publication_ids, max(batch_size or settings.PUBLISH_BATCH_SIZE, 1))
    if len(batch) == 1 or connection.in_atomic_block:
        # Inside a transaction (a test, an eager task) other connections would not see our rows.
        for publication in batch:
            _send_and_record(publication)
    elif batch:
        for _ in _pool().map(_send_in_thread, batch):  # re-raises a thread's error here
            pass
    return len(batch)


def _send_and_record(publication: Publication) -> None:
    connector = get_connector(publication.connector)
    try:
        # After an unknown outcome the platform is asked first: never publish the same reply twice.
        outcome = connector.reconcile(publication) if publication.outcome_unknown else None
        if outcome is None:
            outcome = connector.send(publication)
    except Exception as error:  # a bug, not a delivery failure: keep it visible and retry later
        log.exception("connector %s crashed on publication %s", connector.name, publication.id)
        outcome = Outcome.unknown(f"connector error: {error!r}")
    publication_record(publication, outcome, getattr(connector, "retry_schedule", None))


def _send_in_thread(publication: Publication) -> None:
    # Each thread has its own database connection: reused while within CONN_MAX_AGE and healthy.
    close_old_connections()
    try:
        _send_and_record(publication)
    finally:
        close_old_connections()


_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_executor_size = 0


def _pool() -> ThreadPoolExecutor:
    """One pool per process (Celery's prefork children each make their own after the fork)."""
    global _executor, _executor_pid, _executor_size
    if _executor is None or _executor_pid != os.getpid():
        _executor_size = max(settings.PUBLISH_BATCH_SIZE, 1)
        _executor = ThreadPoolExecutor(max_workers=_executor_size, thread_name_prefix="publish")
        _executor_pid = os.getpid()
    return _executor


def send_pool_shutdown() -> None:
    """Stop the sending threads; each closes its database connection first (the tests call it, so
    no connection outlives the test database)."""
    global _executor
    if _executor is None or _executor_pid != os.getpid():
        return
    executor, _executor = _executor, None
    threads = _executor_size
    barrier = threading.Barrier(threads)

    def close() -> None:
        connections.close_all()
        try:
            barrier.wait(timeout=1)  # hold this thread so every other one gets a close too
        except threading.BrokenBarrierError:
            pass

    for _ in range(threads):
        executor.submit(close)
    executor.shutdown(wait=True)


def publication_record(publication: Publication, outcome: Outcome, schedule: RetrySchedule | None = None) -> None:
    now = timezone.now()
    sending = Publication.objects.filter(id=publication.id, status=PublicationStatus.SENDING)
    if outcome.kind == "sent":
        sending.update(
            status=PublicationStatus.SENT,
            sent_at=now,
            external_reply_id=outcome.external_id,
            last_error="",
            outcome_unknown=False,
        )
        return
    if outcome.kind == "permanent":
        sending.update(status=PublicationStatus.DEAD, last_error=outcome.error)
        return
    if outcome.kind == "defer":  # nothing left: not an attempt, and not capped like a backoff
        delay = min(timedelta(seconds=outcome.retry_after or 0), MAX_DEFER)
        sending.update(
            status=PublicationStatus.QUEUED if publication.attempts <= 1 else PublicationStatus.FAILED,
            attempts=F("attempts") - 1,
            last_error=outcome.error,
            next_attempt_at=now + delay,
        )
        return
    if schedule is not None:
        age = (now - publication.due_at).total_seconds()
        too_old = schedule.max_age_seconds is not None and age >= schedule.max_age_seconds
        if publication.attempts >= schedule.max_attempts or too_old:
            sending.update(
                status=PublicationStatus.DEAD,
                last_error=f"Gave up after {publication.attempts} attempts over {_duration(age)}. "
                f"Last error: {outcome.error}",
            )
            return
        delay = schedule.delay(publication.attempts, outcome.retry_after)
    elif publication.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
        sending.update(
            status=PublicationStatus.DEAD,
            last_error=f"Gave up after {publication.attempts} attempts. Last error: {outcome.error}",
        )
        return
    else:
        delay = backoff_seconds(publication.attempts, outcome.retry_after)
    unknown = outcome.kind == "unknown"
    sending.update(
        status=PublicationStatus.UNKNOWN if unknown else PublicationStatus.FAILED,
        last_error=outcome.error,
        outcome_unknown=unknown or publication.outcome_unknown,
        next_attempt_at=now + timedelta(seconds=delay),
    )


def _duration(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"
