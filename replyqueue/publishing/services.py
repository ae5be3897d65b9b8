"""The outbox: creating, cancelling, retrying and acknowledging publications. Sending lives in
sending.py (the worker side), claiming in claiming.py."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from replyqueue.comments.models import Channel
from replyqueue.publishing.claiming import PULL
from replyqueue.publishing.models import Publication, PublicationStatus
from replyqueue.publishing.routing import ai_assisted, disclosure_label, published_text, reply_language, route_for
from replyqueue.publishing.tasks import enqueue_publish

log = logging.getLogger(__name__)
MAX_SCHEDULE_AHEAD = timedelta(days=30)
MAX_DEFER = timedelta(days=2)


def send_at_error(send_at: datetime, now: datetime | None = None) -> str | None:
    """Why a requested send time is refused, or None if it is acceptable."""
    now = now or timezone.now()
    if send_at <= now:
        return "send_at must be in the future."
    if send_at > now + MAX_SCHEDULE_AHEAD:
        return f"send_at must be within {MAX_SCHEDULE_AHEAD.days} days."
    return None


def publication_create(*, draft, send_at: datetime | None = None) -> Publication:
    """Called inside the approval's transaction; the send is enqueued only after commit.

    Not sent before the undo window ends nor before `send_at`; both are the same due time, swept by
    beat, so no long countdown sits in the broker.
    """
    creator = draft.creator
    route = route_for(draft.comment, creator)
    language = reply_language(draft.comment, creator)
    assisted = ai_assisted(draft)
    label = disclosure_label(creator, route.label_channel, language) if assisted else ""
    now = timezone.now()
    due_at = max(now + timedelta(seconds=creator.undo_delay_seconds), send_at or now)
    publication = Publication.objects.create(
        creator=creator,
        draft=draft,
        comment_id=draft.comment_id,
        connector=route.connector,
        channel=route.channel,
        text=published_text(draft.text, label),
        ai_assisted=assisted,
        label=label,
        language=language,
        due_at=due_at,
        next_attempt_at=now,
    )
    if publication.connector != PULL and due_at <= now:
        transaction.on_commit(lambda: enqueue_publish([publication.id]))
    return publication


def publications_create(*, drafts: list) -> list[Publication]:
    """publication_create for many approved drafts of one creator (bulk approval): the same
    routing, language and label per draft, with the creator's channels read once and one INSERT."""
    if not drafts:
        return []
    creator = drafts[0].creator
    by_platform: dict[str, list[Channel]] = {}
    for channel in Channel.objects.filter(creator_id=creator.id, enabled=True).order_by("id"):
        by_platform.setdefault(channel.platform, []).append(channel)
    now = timezone.now()
    due_at = now + timedelta(seconds=creator.undo_delay_seconds)
    publications = []
    for draft in drafts:
        comment = draft.comment
        if comment.channel_id:
            channels = [comment.channel] if comment.channel.enabled else []
        else:
            channels = by_platform.get(comment.platform, [])
        route = route_for(comment, creator, channels)
        language = reply_language(comment, creator)
        assisted = ai_assisted(draft)
        label = disclosure_label(creator, route.label_channel, language) if assisted else ""
        publications.append(Publication(
            creator=creator, draft=draft, comment_id=draft.comment_id, connector=route.connector, channel=route.channel,
            text=published_text(draft.text, label), ai_assisted=assisted, label=label, language=language,
            due_at=due_at, next_attempt_at=now,
        ))
    Publication.objects.bulk_create(publications)
    due = [p.id for p in publications if p.connector != PULL and p.due_at <= now]
    if due:
        transaction.on_commit(lambda: enqueue_publish(due))
    return publications


def publication_cancel(*, draft) -> bool:
    """Cancel the draft's queued publication if it is still inside its undo window (or not yet
    at its scheduled time). Claiming moves it out of `queued` first, so a send in progress wins."""
    return bool(
        Publication.objects.filter(
            draft=draft, status=PublicationStatus.QUEUED, attempts=0, due_at__gt=timezone.now()
        ).update(status=PublicationStatus.CANCELLED)
    )


def publication_retry(*, publication: Publication) -> bool:
    """A person retries a dead publication by hand: a fresh set of attempts."""
    updated = Publication.objects.filter(id=publication.id, status=PublicationStatus.DEAD).update(
        status=PublicationStatus.QUEUED, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    if updated:
        transaction.on_commit(lambda: enqueue_publish([publication.id]))
    return bool(updated)


def publication_ack(*, publication: Publication, external_id: str = "") -> bool:
    """Pull mode: the client took the reply and published it."""
    return bool(
        Publication.objects.filter(id=publication.id, connector=PULL, status=PublicationStatus.QUEUED)
        .filter(due_at__lte=timezone.now())
        .update(
            status=PublicationStatus.SENT,
            sent_at=timezone.now(),
            acked_at=timezone.now(),
            external_reply_id=external_id[:200],
        )
    )
