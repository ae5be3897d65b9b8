"""Taking publications to send: due, not held by another worker, and within the channel's rate limit.

Every step is a conditional UPDATE or a row lock, so any number of workers and sweepers can run.
"""

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Creator
from replyqueue.comments.models import Channel, Comment, Post
from replyqueue.core.workers import current_worker, held_by_dead_q
from replyqueue.publishing.models import RETRYABLE, ChannelSend, Publication, PublicationStatus, RetiredWebhookSecret

PULL = "pull"
RATE_WINDOW = timedelta(seconds=60)


def _due(publications: QuerySet, now: datetime) -> QuerySet:
    return publications.filter(status__in=RETRYABLE, due_at__lte=now, next_attempt_at__lte=now).exclude(connector=PULL)


LOADED = ("creator", "comment__post", "channel")  # what sending needs, loaded with the claim


def _lockable(rows: QuerySet) -> QuerySet:
    """Rows locked for this transaction, skipping those another worker holds (PostgreSQL). SQLite has
    no row locks: its IMMEDIATE transactions let one writer in at a time, which serialises claims."""
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


def publication_claim(publication_id: int) -> bool:
    """Take the publication for sending; False if it is not due, another worker has it, or its
    channel already sent its limit this minute (then it is pushed back to when a slot frees)."""
    return bool(publications_claim([publication_id]))


def publications_claim(publication_ids: list[int], size: int | None = None) -> list[Publication]:
    """Take those of `publication_ids` that are due and free (see `_claim_locked`). On PostgreSQL, rows
    whose channel has no rate limit (webhooks, most channels) are claimed and loaded by one
    statement (`_claim_returning`), with no explicit transaction; the others go through `_claim_locked`."""
    size = len(publication_ids) if size is None else size
    if not publication_ids or size <= 0:
        return []
    if not connection.features.has_select_for_update_skip_locked or connection.in_atomic_block:
        return _claim_locked(publication_ids, size)
    batch = _claim_returning("ids", [list(publication_ids)], size)
    if len(batch) < size and len(batch) < len(publication_ids):
        # What is left may be due through a rate-limited channel (counted under its row lock), or
        # taken by another worker: the locked path sorts that out.
        rest = [id_ for id_ in publication_ids if id_ not in {p.id for p in batch}]
        batch += _claim_locked(rest, size - len(batch), fill=not batch)
    if batch and len(batch) < size:
        first = batch[0]
        batch += publications_claim_more(first.connector, first.channel_id, size - len(batch))
    return batch


def publications_claim_more(connector: str, channel_id: int | None, size: int) -> list[Publication]:
    """Up to `size` other due publications of this connector and channel: a sender that has room for
    more requests in flight takes them (PostgreSQL: one statement)."""
    if size <= 0:
        return []
    if not connection.features.has_select_for_update_skip_locked or connection.in_atomic_block:
        now = timezone.now()
        rows = Publication.objects.filter(connector=connector, channel_id=channel_id)
        ids = list(_due(rows, now).order_by("next_attempt_at", "id").values_list("id", flat=True)[:size])
        return _claim_locked(ids, size, fill=False) if ids else []
    if channel_id is None:
        return _claim_returning("connector", [connector], size)
    return _claim_returning("channel", [connector, channel_id], size)


def _claim_returning(scope: str, scope_params: list, size: int) -> list[Publication]:
    """PostgreSQL: mark up to `size` due, unlocked publications of `scope` `sending` and load them
    with what sending needs, in one statement (`ClaimStatement`). Only rows whose channel has no
    rate limit: a limit is counted under the channel's lock (`_claim_locked`). Autocommit: the
    claim is durable before any request leaves."""
    now = timezone.now()
    statement = _claim_statement(scope)
    params = [PublicationStatus.SENDING.value, now, current_worker(), now, *scope_params, now, now, size, now]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        return [statement.load(row) for row in cursor.fetchall()]


class _Columns:
    """One model's columns in a joined row: the SQL that selects them, and the instance they make
    (with the fields' converters applied, as the ORM would)."""

    def __init__(self, model, alias: str):
        self.model = model
        fields = model._meta.concrete_fields
        qn = connection.ops.quote_name
        self.names = [qn(field.column) for field in fields]
        self.sql = ", ".join(f"{alias}.{name}" for name in self.names)
        self.attnames = [field.attname for field in fields]
        self.pk_index = self.attnames.index(model._meta.pk.attname)
        self.converters = []
        for n, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((n, found, column))

    def __len__(self) -> int:
        return len(self.names)

    def load(self, values: list):
        for n, converters, column in self.converters:
            for converter in converters:
                values[n] = converter(values[n], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


class ClaimStatement:
    """The claim as one PostgreSQL statement, built once per process and scope (Django compiling
    the equivalent querysets cost more CPU per claim than the rest of it):

    WITH claimed AS (UPDATE publication SET status = 'sending', ... WHERE id IN (SELECT ... due,
    no rate limit, in scope ... ORDER BY next_attempt_at, id LIMIT n FOR UPDATE SKIP LOCKED)
    RETURNING ...) SELECT the claimed rows JOIN their creator, comment, post and channel, with the
    creator's live retired signing secrets as an array.

    FOR UPDATE SKIP LOCKED in the subquery: workers claiming at once take different rows. The
    conditions are `_due`'s plus "the channel has no rate limit" (`channel IS NULL OR
    rate_limit_per_minute = 0`); tests/publishing/test_batch.py checks they take exactly what the
    ORM's `_due` and that rule select."""

    SCOPES = {
        "ids": "p.id = ANY(%s)",
        "connector": "p.connector = %s AND p.channel_id IS NULL",
        "channel": "p.connector = %s AND p.channel_id = %s",
    }

    def __init__(self, scope: str):
        qn = connection.ops.quote_name
        table = qn(Publication._meta.db_table)
        self.parts = [
            _Columns(Publication, "claimed"), _Columns(Creator, "cr"), _Columns(Comment, "co"),
            _Columns(Post, "po"), _Columns(Channel, "ch"),
        ]
        retryable = ", ".join(f"'{status.value}'" for status in RETRYABLE)
        self.sql = (
            f"WITH claimed AS (UPDATE {table} SET status = %s, claimed_at = %s, claimed_by = %s, "
            f"attempts = attempts + 1, updated_at = %s WHERE id IN ("
            f"SELECT p.id FROM {table} p LEFT JOIN {qn(Channel._meta.db_table)} c ON c.id = p.channel_id "
            f"WHERE {self.SCOPES[scope]} AND p.status IN ({retryable}) AND p.due_at <= %s "
            f"AND p.next_attempt_at <= %s AND p.connector <> '{PULL}' "
            f"AND (p.channel_id IS NULL OR c.rate_limit_per_minute = 0) "
            f"ORDER BY p.next_attempt_at, p.id LIMIT %s FOR UPDATE OF p SKIP LOCKED) "
            f"RETURNING {', '.join(self.parts[0].names)}) "
            f"SELECT {', '.join(part.sql for part in self.parts)}, "
            f"ARRAY(SELECT s.secret FROM {qn(RetiredWebhookSecret._meta.db_table)} s "
            f"WHERE s.creator_id = claimed.creator_id AND s.expires_at > %s ORDER BY s.retired_at DESC) "
            f"FROM claimed JOIN {qn(Creator._meta.db_table)} cr ON cr.id = claimed.creator_id "
            f"JOIN {qn(Comment._meta.db_table)} co ON co.id = claimed.comment_id "
            f"LEFT JOIN {qn(Post._meta.db_table)} po ON po.id = co.post_id "
            f"LEFT JOIN {qn(Channel._meta.db_table)} ch ON ch.id = claimed.channel_id "
            f"ORDER BY claimed.next_attempt_at, claimed.id"
        )

    def load(self, row: tuple) -> Publication:
        values, start = [], 0
        for part in self.parts:
            values.append(list(row[start:start + len(part)]))
            start += len(part)
        publication, creator, comment, post, channel = self.parts[0].load(values[0]), *(
            part.load(chunk) if chunk[part.pk_index] is not None else None for part, chunk in zip(self.parts[1:], values[1:], strict=True)
        )
        _set_related(comment, "post", post)
        _set_related(publication, "creator", creator)
        _set_related(publication, "comment", comment)
        _set_related(publication, "channel", channel)
        creator.live_retired_secrets = [RetiredWebhookSecret(secret=secret) for secret in row[start] or []]
        return publication


def _set_related(instance, name: str, value) -> None:
    # What select_related does: the related object cached on the instance, no query when read.
    instance._meta.get_field(name).set_cached_value(instance, value)


_statements: dict[tuple[str, str], ClaimStatement] = {}


def _claim_statement(scope: str) -> ClaimStatement:
    key = (connection.alias, scope)
    if key not in _statements:
        _statements[key] = ClaimStatement(scope)
    return _statements[key]


def _live_secrets(now: datetime) -> Prefetch:
    """The creator's retired signing secrets still in their grace period, loaded with the batch
    (one query for the batch instead of one per webhook delivery)."""
    live = RetiredWebhookSecret.objects.filter(expires_at__gt=now).order_by("-retired_at")
    return Prefetch("creator__retired_webhook_secrets", queryset=live, to_attr="live_retired_secrets")


def _claim_locked(publication_ids: list[int], size: int | None = None, fill: bool = True) -> list[Publication]:
    """Take those of `publication_ids` that are due and free (at most `size`, default all), loaded
    with what sending needs and marked `sending` with one more attempt. When they are fewer than
    `size`, the batch is filled with other due publications of the first one's connector and channel.

    A channel never starts more sends than its rate limit leaves this minute: the rest are pushed
    back to when a slot frees. One transaction: the rows are locked (SKIP LOCKED, so workers
    claiming at once take different rows), then updated by id.
    """
    size = len(publication_ids) if size is None else size
    now = timezone.now()
    # Most wake-ups under a burst find their publications already taken by another batch: one
    # cheap read answers them without a transaction.
    wanted = list(_due(Publication.objects.filter(id__in=publication_ids), now).values_list("id", flat=True)[:size])
    if not wanted:
        return []
    with transaction.atomic():
        rows = _lockable(_due(Publication.objects.filter(id__in=wanted), now).select_related(*LOADED))
        rows = rows.prefetch_related(_live_secrets(now))
        batch = list(rows.order_by("next_attempt_at", "id"))
        if fill and batch and len(batch) < size:
            first = batch[0]
            more = _due(Publication.objects.filter(connector=first.connector, channel_id=first.channel_id), now)
            more = _lockable(more.exclude(id__in=[p.id for p in batch]).select_related(*LOADED))
            more = more.prefetch_related(_live_secrets(now))
            batch += list(more.order_by("next_attempt_at")[: size - len(batch)])
        batch = _within_rate_limits(batch, now)
        if not batch:
            return []
        ids = [publication.id for publication in batch]
        claimed = _due(Publication.objects.filter(id__in=ids), now).update(
            status=PublicationStatus.SENDING, claimed_at=now, claimed_by=current_worker(), attempts=F("attempts") + 1
        )
        if claimed != len(batch):  # only without row locks and serialised writers: keep what we got
            taken = set(Publication.objects.filter(id__in=ids, status=PublicationStatus.SENDING, claimed_at=now)
                        .values_list("id", flat=True))
            batch = [publication for publication in batch if publication.id in taken]
        for publication in batch:
            publication.status, publication.claimed_at = PublicationStatus.SENDING, now
            publication.attempts += 1
        ChannelSend.objects.bulk_create(
            [ChannelSend(channel_id=p.channel_id, sent_at=now) for p in batch if p.channel_id is not None]
        )
    return batch


def _within_rate_limits(batch: list[Publication], now: datetime) -> list[Publication]:
    """The publications whose channel may start a send now; the others are pushed back.

    Claims through one channel are serialised, so counting the window and claiming cannot
    interleave between workers: on PostgreSQL by the channel's row lock, on SQLite because
    transactions are IMMEDIATE (one writer at a time) and select_for_update is a no-op there."""
    by_channel: dict[int, list[Publication]] = {}
    for publication in batch:
        if publication.channel_id is not None:
            by_channel.setdefault(publication.channel_id, []).append(publication)
    refused: set[int] = set()
    for channel_id in sorted(by_channel):  # one lock order for every worker
        waiting = by_channel[channel_id]
        channel = Channel.objects.select_for_update().filter(id=channel_id).only("id", "rate_limit_per_minute").first()
        limit = channel.rate_limit_per_minute if channel else 0  # 0: no limit
        if not limit:
            continue
        window = ChannelSend.objects.filter(channel_id=channel_id, sent_at__gt=now - RATE_WINDOW)
        sent = list(window.order_by("sent_at").values_list("sent_at", flat=True))
        room = max(limit - len(sent), 0)
        if room >= len(waiting):
            continue
        sent += [now] * room
        free_at = sent[len(sent) - limit] + RATE_WINDOW
        for publication in waiting[room:]:
            _defer(publication.id, now, free_at, limit)
            refused.add(publication.id)
    return [publication for publication in batch if publication.id not in refused]


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
