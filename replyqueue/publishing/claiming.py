"""Taking publications to send: due, not held by another worker, and within the channel's rate limit.

Every step is a conditional UPDATE or a row lock, so any number of workers and sweepers can run.
"""

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from replyqueue.comments.models import Channel
from replyqueue.core.workers import current_worker, held_by_dead_q
from replyqueue.publishing.models import RETRYABLE, ChannelSend, Publication, PublicationStatus

PULL = "pull"
RATE_WINDOW = timedelta(seconds=60)


def _due(publications: QuerySet, now: datetime) -> QuerySet:
    return publications.filter(status__in=RETRYABLE, due_at__lte=now, next_attempt_at__lte=now).exclude(connector=PULL)


def _claim(publication_id: int, now: datetime, **conditions) -> bool:
    return bool(
        _due(Publication.objects.filter(id=publication_id, **conditions), now).update(
            status=PublicationStatus.SENDING, claimed_at=now, claimed_by=current_worker(), attempts=F("attempts") + 1
        )
    )


def publication_claim(publication_id: int) -> bool:
    """Take the publication for sending; False if it is not due, another worker has it, or its
    channel already sent its limit this minute (then it is pushed back to when a slot frees)."""
    if _claim(publication_id, timezone.now(), channel__isnull=True):  # no channel, no rate limit
        return True
    channel_id = Publication.objects.filter(id=publication_id).values_list("channel_id", flat=True).first()
    if channel_id is None:
        return False
    return _claim_within_rate_limit(publication_id, channel_id)


@transaction.atomic
def _claim_within_rate_limit(publication_id: int, channel_id: int) -> bool:
    # Claims through one channel are serialised, so counting the window and claiming cannot
    # interleave between workers: on PostgreSQL by this row lock, on SQLite because transactions
    # are IMMEDIATE (one writer at a time) and select_for_update is a no-op there.
    channel = Channel.objects.select_for_update().filter(id=channel_id).only("id", "rate_limit_per_minute").first()
    now = timezone.now()
    limit = channel.rate_limit_per_minute if channel else 0  # 0: no limit
    if limit:
        window = ChannelSend.objects.filter(channel_id=channel_id, sent_at__gt=now - RATE_WINDOW)
        sent = list(window.order_by("sent_at").values_list("sent_at", flat=True))
        if len(sent) >= limit:
            _defer(publication_id, now, sent[len(sent) - limit] + RATE_WINDOW, limit)
            return False
    if not _claim(publication_id, now):
        return False
    ChannelSend.objects.create(channel_id=channel_id, sent_at=now)
    return True


def _defer(publication_id: int, now: datetime, free_at: datetime, limit: int) -> None:
    # A little jitter so a burst waiting for the same slot does not wake all at once.
    _due(Publication.objects.filter(id=publication_id), now).update(
        next_attempt_at=free_at + timedelta(seconds=random.uniform(0, 1)),
        last_error=f"Waiting for the channel's rate limit ({limit} per minute).",
    )


def publications_due(limit: int = 500) -> list[int]:
    """Stamp and return a batch of due publications whose task is missing or lost.

    On PostgreSQL the batch is locked with SKIP LOCKED, so sweepers running at once take
    different rows; on SQLite the IMMEDIATE transaction serialises them.
    """
    now = timezone.now()
    lost = now - timedelta(seconds=settings.LOST_TASK_SECONDS)
    with transaction.atomic():
        rows = (
            _due(Publication.objects.all(), now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at")) | Q(enqueued_at__lt=lost))
            .order_by("next_attempt_at")
        )
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        ids = list(rows.values_list("id", flat=True)[:limit])
        Publication.objects.filter(id__in=ids).update(enqueued_at=now)
    return ids


def publications_release_stale() -> int:
    """A worker died mid-send: we cannot know whether the request arrived, so: unknown."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.STALE_CLAIM_SECONDS)
    held = Q(claimed_at__lt=stale)
    if (dead := held_by_dead_q()) is not None:
        held |= dead  # its worker stopped beating: no need to wait for STALE_CLAIM_SECONDS
    return Publication.objects.filter(status=PublicationStatus.SENDING).filter(held).update(
        status=PublicationStatus.UNKNOWN, outcome_unknown=True, last_error="The worker stopped while sending.",
        next_attempt_at=now,  # reconciled by the next sweep, not after LOST_TASK_SECONDS
    )


def channel_sends_prune(older_than: timedelta = timedelta(hours=1)) -> int:
    deleted, _ = ChannelSend.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted
