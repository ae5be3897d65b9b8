"""An Instagram comment's own time.

Meta's `comments` webhook value (`from`, `media`, `id`, `text`, `parent_id`) carries no time, so a
comment is stored with the time of the delivery (`entry.time`) and a `CommentTime` row saying so.
A worker then reads the comment from Graph, `GET /{ig-comment-id}?fields=id,timestamp`, and
replaces `created_at` with its `timestamp` ("2026-01-01T11:58:04+0000"). When Graph cannot say
(the comment was deleted, the token is refused, MAX_ATTEMPTS failures) the delivery time stays,
and the row records that and why.

Every lookup claims its row with a conditional UPDATE that pushes `next_attempt_at` past LEASE, so
two workers never ask twice at once and a worker killed mid-lookup leaves a row the sweep takes
again after the lease. A throttled channel (integrations/meta/throttle.py) is not called: the row
waits for the hold to end without using an attempt.

The row is the work; a task message only wakes a worker. The beat task `sweep_comment_times`
(every COMMENT_TIME_SWEEP_INTERVAL, a minute by default) wakes workers again for the lookups that
are due and whose last wake-up is older than their due time (a retry, a hold that ended, a lease
a killed worker left) or older than LOST_TASK_SECONDS (the message was lost with the broker), at
most COMMENT_TIME_SWEEP_LIMIT of them a run, COMMENT_TIME_TASK_SIZE to a task.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from replyqueue.comments.models import Comment, Platform
from replyqueue.integrations.meta.connector import auth, graph_error_outcome
from replyqueue.integrations.meta.throttle import deferral, note_usage
from replyqueue.integrations.models import CommentTime, TimeSource
from replyqueue.publishing.connectors.base import Outcome
from replyqueue.publishing.connectors.platform import Account, call, json_body

log = logging.getLogger(__name__)
FIELDS = "id,timestamp"  # fields of the IG Comment node
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)
BACKOFF = timedelta(minutes=2)


def comment_times_track(comment_ids: list[int]) -> list[int]:
    """These comments were stored with the delivery time: record it, and that Graph is to be asked
    (the caller wakes a worker when its transaction commits)."""
    now = timezone.now()
    CommentTime.objects.bulk_create(
        [CommentTime(comment_id=id_, next_attempt_at=now, enqueued_at=now) for id_ in comment_ids],
        ignore_conflicts=True,
    )
    return comment_ids


def graph_timestamp(value) -> datetime | None:
    """Graph's `timestamp` ("2026-01-01T11:58:04+0000", ISO 8601 with a numeric offset) as an aware datetime."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"  # +0000 -> +00:00, which every parser reads
    try:
        parsed = parse_datetime(text)
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _claim(comment_id: int, now: datetime) -> CommentTime | None:
    claimed = CommentTime.objects.filter(comment_id=comment_id, next_attempt_at__lte=now).update(
        next_attempt_at=now + LEASE, attempts=F("attempts") + 1
    )
    if not claimed:
        return None  # done, not due, or another worker has it
    return CommentTime.objects.select_related("comment__channel").get(comment_id=comment_id)


def comment_time_fetch(comment_id: int, now: datetime | None = None) -> str:
    """Ask Graph for this comment's time and record the answer. Returns what happened."""
    now = now or timezone.now()
    row = _claim(comment_id, now)
    if row is None:
        return "not due"
    comment = row.comment
    channel = comment.channel
    if channel is None or channel.platform != Platform.INSTAGRAM or channel.connector != "meta":
        return _give_up(row, now, "The comment has no Instagram channel to ask Graph through.")
    if held := deferral(channel):
        return _wait(row, held)
    try:
        account = Account(channel, channel.credentials)
    except ValueError as error:
        return _give_up(row, now, str(error))
    headers, params = auth(account)
    base = account.base_url or settings.META_GRAPH_URL
    version = account.credentials.get("graph_version") or settings.META_GRAPH_VERSION
    response = call("GET", f"{base}/{version}/{comment.external_id}", headers=headers,
                    params={**params, "fields": FIELDS})
    if isinstance(response, Outcome):
        return _again(row, now, response.error)
    if not response.is_success:
        outcome = graph_error_outcome(response, channel)
        if outcome.kind == "defer":
            return _wait(row, outcome)
        if outcome.kind == "permanent":
            return _give_up(row, now, outcome.error)
        return _again(row, now, outcome.error)
    note_usage(channel, response.headers)
    timestamp = graph_timestamp((json_body(response) or {}).get("timestamp"))
    if timestamp is None:
        return _again(row, now, "Graph answered without a readable timestamp.")
    Comment.objects.filter(id=comment.id).update(created_at=timestamp)
    CommentTime.objects.filter(id=row.id).update(
        source=TimeSource.PLATFORM, next_attempt_at=None, checked_at=now, last_error=""
    )
    return "fetched"


def _wait(row: CommentTime, held: Outcome) -> str:
    """The channel is throttled: not an attempt; asked again when the hold ends."""
    CommentTime.objects.filter(id=row.id).update(
        attempts=F("attempts") - 1, last_error=held.error,
        next_attempt_at=timezone.now() + timedelta(seconds=held.retry_after or 0),
    )
    return "waiting"


def _again(row: CommentTime, now: datetime, error: str) -> str:
    if row.attempts >= MAX_ATTEMPTS:
        return _give_up(row, now, f"Gave up after {row.attempts} attempts. Last error: {error}")
    CommentTime.objects.filter(id=row.id).update(
        last_error=error, checked_at=now, next_attempt_at=now + BACKOFF * 2 ** (row.attempts - 1)
    )
    return "retry"


def _give_up(row: CommentTime, now: datetime, error: str) -> str:
    """The delivery time stays, and the row says why."""
    log.warning("keeping the delivery time of comment %s: %s", row.comment_id, error)
    CommentTime.objects.filter(id=row.id).update(last_error=error, checked_at=now, next_attempt_at=None)
    return "kept the delivery time"


def comment_times_to_wake(limit: int | None = None, now: datetime | None = None) -> list[int]:
    """Stamp and return the comments whose lookup is due and has no live wake-up: never woken, woken
    before it became due (a retry, a hold that ended, the lease of a worker killed mid-lookup), or
    woken longer than LOST_TASK_SECONDS ago (the message was lost). At most `limit`, oldest due first.

    On PostgreSQL the rows are locked with SKIP LOCKED, so sweeps running at once take different
    rows; on SQLite the IMMEDIATE transaction serialises them."""
    now = now or timezone.now()
    limit = settings.COMMENT_TIME_SWEEP_LIMIT if limit is None else limit
    lost = now - timedelta(seconds=settings.LOST_TASK_SECONDS)
    with transaction.atomic():
        rows = CommentTime.objects.filter(next_attempt_at__lte=now).filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at")) | Q(enqueued_at__lt=lost)
        ).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        ids = list(rows.values_list("id", "comment_id")[:limit])
        CommentTime.objects.filter(id__in=[id_ for id_, _ in ids]).update(enqueued_at=now)
    return [comment_id for _, comment_id in ids]
