"""Sending a batch of publications at once and recording each outcome: the worker side of the outbox."""

import logging
import os
import random
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.models import Case, F, Value, When
from django.utils import timezone

from replyqueue.publishing.claiming import publications_claim, publications_claim_more
from replyqueue.publishing.connectors import Outcome, RetrySchedule, get_connector
from replyqueue.publishing.connectors.http import close_thread_connections
from replyqueue.publishing.models import Publication, PublicationStatus

log = logging.getLogger(__name__)
MAX_DEFER = timedelta(days=2)
# How long one task keeps refilling its freed slots with other due publications. Then it returns
# and the process can take other tasks; the publications still due have wake-ups of their own.
STREAM_SECONDS = 5.0


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
    the first one's connector and channel) and send them at once, one thread each. Up to
    `batch_size` requests stay in flight: as sends finish, their outcomes are recorded (one UPDATE
    for all that finished together) and the freed slots are filled with other due publications of
    the same connector and channel (claimed a batch's worth at a time, so a few may wait for a slot
    for the length of one send), until none are due or STREAM_SECONDS have passed.
    Returns how many were claimed.

    Each publication is claimed before its request and recorded after it by a conditional UPDATE
    (only from `sending`): a crash leaves `sending` rows that the sweeper turns `unknown`,
    reconciled before any re-send."""
    size = max(batch_size or settings.PUBLISH_BATCH_SIZE, 1)
    batch = publications_claim(publication_ids, size)
    if not batch and size > 1 and not connection.in_atomic_block:
        batch = _help_another_sender(publication_ids, size)
    if len(batch) == 1 and size == 1 or connection.in_atomic_block:
        # Inside a transaction (a test, an eager task) other connections would not see our rows.
        for publication in batch:
            _send_and_record(publication)
        return len(batch)
    return _stream(batch, size) if batch else 0


def _help_another_sender(publication_ids: list[int], size: int) -> list[Publication]:
    """This wake-up's publications were all taken by another sender, which claims ahead while it
    streams (a burst): take other due publications of the same connector and channel instead of
    going back to sleep, so every free worker process sends a share of the burst."""
    taken = (Publication.objects.filter(id__in=publication_ids, status=PublicationStatus.SENDING)
             .values_list("connector", "channel_id").first())
    return publications_claim_more(*taken, size) if taken else []


def _stream(batch: list[Publication], size: int) -> int:
    """Keep up to `size` sends in flight on the process's thread pool. This thread only hands work
    out: outcomes are recorded and the next publications claimed on pool threads too, while the
    sends go on (each on its own connection; the rows never overlap)."""
    first = batch[0]
    connector, channel_id = first.connector, first.channel_id
    stop_refilling = time.monotonic() + STREAM_SECONDS
    pool = _pool(size + 2)  # a thread for each send in flight, one that records, one that claims
    in_flight = {pool.submit(_send_in_thread, publication): publication for publication in batch}
    records: list[Future] = []
    to_record: list = []
    # Claimed a batch's worth at a time, before the slots free up: a claim costs the same for one
    # row or eight, so a few wait here (at most one send's time) rather than every slot waiting for
    # a claim of its own.
    claimed_ahead: deque[Publication] = deque()
    claiming: Future | None = None
    nothing_due = False
    claimed = len(batch)
    try:
        while in_flight or claiming is not None or claimed_ahead:
            done, _ = wait([*in_flight, *([claiming] if claiming else [])], return_when=FIRST_COMPLETED)
            finished = []
            for future in done:
                if future is claiming:
                    claiming = None
                    more = future.result()  # committed claims: sent below, or recorded in `finally`
                    claimed_ahead.extend(more)
                    claimed += len(more)
                    nothing_due = not more
                    continue
                publication = in_flight.pop(future)
                try:
                    finished.append((publication, *future.result()))
                except Exception:  # left `sending`: the sweeper makes it `unknown`, reconciled before any re-send
                    log.exception("sending publication %s failed outside its connector", publication.id)
            # One record at a time: what finishes while it runs goes into the next one; and at
            # least half a batch unless nothing else is in flight (fewer, larger records).
            to_record += finished
            if (to_record and (not records or records[-1].done())
                    and (len(to_record) >= size // 2 or not in_flight)):
                records.append(pool.submit(_record_in_thread, to_record))
                to_record = []
            while len(in_flight) < size and claimed_ahead:
                publication = claimed_ahead.popleft()
                in_flight[pool.submit(_send_in_thread, publication)] = publication
            if (claiming is None and not nothing_due and len(claimed_ahead) < size // 2 + 1
                    and time.monotonic() < stop_refilling):
                claiming = pool.submit(_claim_in_thread, connector, channel_id, size)
    finally:
        if to_record:
            records.append(pool.submit(_record_in_thread, to_record))
        if claiming is not None:
            try:
                claimed_ahead.extend(claiming.result())
            except Exception:
                log.exception("claiming more publications failed")
        for publication in claimed_ahead:  # only after an error above: claimed, never sent
            not_sent = Outcome.defer("Not sent: the sender stopped before its turn.", 0)  # not an attempt
            records.append(pool.submit(_record_in_thread, [(publication, not_sent, None)]))
        for future in in_flight:  # only after an error above: record what was sent, as it was
            try:
                records.append(pool.submit(_record_in_thread, [(in_flight[future], *future.result())]))
            except Exception:
                log.exception("sending publication %s failed outside its connector", in_flight[future].id)
        for record in records:
            try:
                record.result()
            except Exception:  # the rows stay `sending`: the sweeper makes them `unknown`, reconciled
                log.exception("could not record a batch of outcomes; the sweeper will reconcile them")
    return claimed


def _claim_in_thread(connector: str, channel_id: int | None, size: int) -> list[Publication]:
    close_old_connections()
    try:
        return publications_claim_more(connector, channel_id, size)
    finally:
        close_old_connections()


def _record_in_thread(finished: list) -> None:
    close_old_connections()
    try:
        publications_record(finished)
    finally:
        close_old_connections()


def _send(publication: Publication) -> tuple[Outcome, RetrySchedule | None]:
    connector = get_connector(publication.connector)
    try:
        # After an unknown outcome the platform is asked first: never publish the same reply twice.
        outcome = connector.reconcile(publication) if publication.outcome_unknown else None
        if outcome is None:
            outcome = connector.send(publication)
    except Exception as error:  # a bug, not a delivery failure: keep it visible and retry later
        log.exception("connector %s crashed on publication %s", connector.name, publication.id)
        outcome = Outcome.unknown(f"connector error: {error!r}")
    return outcome, getattr(connector, "retry_schedule", None)


def _send_and_record(publication: Publication) -> None:
    publication_record(publication, *_send(publication))


def _send_in_thread(publication: Publication) -> tuple[Outcome, RetrySchedule | None]:
    # A connector may read or write rows (quota, throttle holds, secrets): each thread has its own
    # database connection, reused while within CONN_MAX_AGE and healthy.
    close_old_connections()
    try:
        return _send(publication)
    finally:
        close_old_connections()


_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_executor_size = 0


def _pool(size: int = 0) -> ThreadPoolExecutor:
    """One pool per process (Celery's prefork children each make their own after the fork), with a
    thread for each send a batch keeps in flight."""
    global _executor, _executor_pid, _executor_size
    size = max(size, settings.PUBLISH_BATCH_SIZE, 1)
    if _executor is not None and _executor_pid == os.getpid() and size > _executor_size:
        send_pool_shutdown()  # a larger batch than before: a pool of its size
    if _executor is None or _executor_pid != os.getpid():
        _executor_size = size
        _executor = ThreadPoolExecutor(max_workers=_executor_size, thread_name_prefix="publish")
        _executor_pid = os.getpid()
    return _executor


def send_pool_shutdown() -> None:
    """Stop the sending threads; each closes its database and delivery connections first (the
    tests call it, so no connection outlives the test database or the test's receiver)."""
    global _executor
    if _executor is None or _executor_pid != os.getpid():
        return
    executor, _executor = _executor, None
    threads = _executor_size
    barrier = threading.Barrier(threads)

    def close() -> None:
        connections.close_all()
        close_thread_connections()
        try:
            barrier.wait(timeout=1)  # hold this thread so every other one gets a close too
        except threading.BrokenBarrierError:
            pass

    for _ in range(threads):
        executor.submit(close)
    executor.shutdown(wait=True)


def publication_record(publication: Publication, outcome: Outcome, schedule: RetrySchedule | None = None) -> None:
    """Record one outcome, only if the publication is still `sending` (ours)."""
    publications_record([(publication, outcome, schedule)])


def publications_record(results: list[tuple[Publication, Outcome, RetrySchedule | None]]) -> None:
    """Record these outcomes, only on rows still `sending` (ours): one UPDATE for all the outcomes
    that set the same columns (a batch of deliveries: one round trip). A column whose value differs
    between them (a platform's reply id) takes each row's own (CASE id WHEN ...)."""
    now = timezone.now()
    shapes: dict[tuple, dict[int, dict]] = {}
    for publication, outcome, schedule in results:
        values = _changes(publication, outcome, schedule, now)
        shapes.setdefault(tuple(sorted(values)), {})[publication.id] = values
    for rows in shapes.values():
        first = next(iter(rows.values()))
        if all(not hasattr(value, "resolve_expression") for value in first.values()) and all(
            values == first for values in rows.values()
        ):
            _update_sending(list(rows), first)  # the usual case: a batch of deliveries, all sent
            continue
        sending = Publication.objects.filter(id__in=list(rows), status=PublicationStatus.SENDING)
        update = {}
        for name, value in first.items():
            if all(_same(values[name], value) for values in rows.values()):
                update[name] = value
                continue
            whens = [When(id=id_, then=_expression(values[name])) for id_, values in rows.items()]
            update[name] = Case(*whens, default=F(name), output_field=Publication._meta.get_field(name))
        sending.update(**update)


_update_prefixes: dict[tuple, str] = {}


def _update_sending(ids: list[int], values: dict) -> None:
    """UPDATE ... SET `values` WHERE id IN `ids` AND status = 'sending': what
    `Publication.objects.filter(...).update(...)` sends, with the SQL built once per process and
    set of columns instead of compiled by Django for every batch."""
    columns = tuple(values)
    key = (connection.alias, columns)
    if key not in _update_prefixes:
        qn = connection.ops.quote_name
        fields = [Publication._meta.get_field(name) for name in columns]
        assignments = ", ".join(f"{qn(field.column)} = %s" for field in fields)
        _update_prefixes[key] = (
            f"UPDATE {qn(Publication._meta.db_table)} SET {assignments} WHERE {qn('status')} = %s AND {qn('id')} IN "
        )
    params = [Publication._meta.get_field(name).get_db_prep_save(values[name], connection) for name in columns]
    sql = _update_prefixes[key] + "(" + ", ".join(["%s"] * len(ids)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, PublicationStatus.SENDING.value, *ids])


def _same(a, b) -> bool:
    if hasattr(a, "resolve_expression") or hasattr(b, "resolve_expression"):
        return a is b or repr(a) == repr(b)
    return a == b


def _expression(value):
    return value if hasattr(value, "resolve_expression") else Value(value)


def _changes(publication: Publication, outcome: Outcome, schedule: RetrySchedule | None, now) -> dict:
    """The columns an outcome sets on its publication."""
    if outcome.kind == "sent":
        return {"status": PublicationStatus.SENT, "sent_at": now, "external_reply_id": outcome.external_id,
                "last_error": "", "outcome_unknown": False}
    if outcome.kind == "permanent":
        return {"status": PublicationStatus.DEAD, "last_error": outcome.error}
    if outcome.kind == "defer":  # nothing left: not an attempt, and not capped like a backoff
        delay = min(timedelta(seconds=outcome.retry_after or 0), MAX_DEFER)
        return {
            "status": PublicationStatus.QUEUED if publication.attempts <= 1 else PublicationStatus.FAILED,
            "attempts": F("attempts") - 1,
            "last_error": outcome.error,
            "next_attempt_at": now + delay,
        }
    if schedule is not None:
        age = (now - publication.due_at).total_seconds()
        too_old = schedule.max_age_seconds is not None and age >= schedule.max_age_seconds
        if publication.attempts >= schedule.max_attempts or too_old:
            return {"status": PublicationStatus.DEAD,
                    "last_error": f"Gave up after {publication.attempts} attempts over {_duration(age)}. "
                    f"Last error: {outcome.error}"}
        delay = schedule.delay(publication.attempts, outcome.retry_after)
    elif publication.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
        return {"status": PublicationStatus.DEAD,
                "last_error": f"Gave up after {publication.attempts} attempts. Last error: {outcome.error}"}
    else:
        delay = backoff_seconds(publication.attempts, outcome.retry_after)
    unknown = outcome.kind == "unknown"
    return {
        "status": PublicationStatus.UNKNOWN if unknown else PublicationStatus.FAILED,
        "last_error": outcome.error,
        "outcome_unknown": unknown or publication.outcome_unknown,
        "next_attempt_at": now + timedelta(seconds=delay),
    }


def _duration(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"
