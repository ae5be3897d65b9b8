"""The outbox: creating, sending and recording publications (claiming lives in claiming.py)."""

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from replyqueue.inbox.models import Draft
from replyqueue.publishing.claiming import PULL, publication_claim
from replyqueue.publishing.claiming import publications_due as publications_due  # re-exported
from replyqueue.publishing.claiming import publications_release_stale as publications_release_stale
from replyqueue.publishing.connectors import Outcome, get_connector
from replyqueue.publishing.models import Publication, PublicationStatus
from replyqueue.publishing.routing import disclosure_label, published_text, route_for

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


def publication_create(*, draft: Draft, send_at: datetime | None = None) -> Publication:
    """Called inside the approval's transaction; the send is enqueued only after commit.

    Not sent before the undo window ends nor before `send_at`; both are the same due time, swept by
    beat, so no long countdown sits in the broker.
    """
    creator = draft.creator
    route = route_for(draft.comment, creator)
    now = timezone.now()
    due_at = max(now + timedelta(seconds=creator.undo_delay_seconds), send_at or now)
    publication = Publication.objects.create(
        creator=creator,
        draft=draft,
        comment_id=draft.comment_id,
        connector=route.connector,
        channel=route.channel,
        text=published_text(draft.text, disclosure_label(creator, route.label_channel)),
        due_at=due_at,
        next_attempt_at=now,
    )
    if publication.connector != PULL and due_at <= now:
        transaction.on_commit(lambda: enqueue_publish([publication.id]))
    return publication


def publication_cancel(*, draft: Draft) -> bool:
    """Cancel the draft's queued publication if it is still inside its undo window (or not yet
    at its scheduled time). Claiming moves it out of `queued` first, so a send in progress wins."""
    return bool(
        Publication.objects.filter(
            draft=draft, status=PublicationStatus.QUEUED, attempts=0, due_at__gt=timezone.now()
        ).update(status=PublicationStatus.CANCELLED)
    )


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, never sooner than the server's Retry-After."""
    ceiling = min(settings.PUBLISH_BACKOFF_CAP, settings.PUBLISH_BACKOFF_BASE * 2 ** max(attempt - 1, 0))
    delay = random.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.PUBLISH_BACKOFF_CAP * 6))
    return delay


def publication_send(*, publication_id: int) -> None:
    if not publication_claim(publication_id):
        return
    publication = Publication.objects.select_related("creator", "comment__post", "channel").get(id=publication_id)
    connector = get_connector(publication.connector)
    try:
        # After an unknown outcome the platform is asked first: never publish the same reply twice.
        outcome = connector.reconcile(publication) if publication.outcome_unknown else None
        if outcome is None:
            outcome = connector.send(publication)
    except Exception as error:  # a bug, not a delivery failure: keep it visible and retry later
        log.exception("connector %s crashed on publication %s", connector.name, publication.id)
        outcome = Outcome.unknown(f"connector error: {error!r}")
    publication_record(publication, outcome)


def publication_record(publication: Publication, outcome: Outcome) -> None:
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
    if publication.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
        sending.update(
            status=PublicationStatus.DEAD,
            last_error=f"Gave up after {publication.attempts} attempts. Last error: {outcome.error}",
        )
        return
    delay = backoff_seconds(publication.attempts, outcome.retry_after)
    unknown = outcome.kind == "unknown"
    sending.update(
        status=PublicationStatus.UNKNOWN if unknown else PublicationStatus.FAILED,
        last_error=outcome.error,
        outcome_unknown=unknown or publication.outcome_unknown,
        next_attempt_at=now + timedelta(seconds=delay),
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


def enqueue_publish(publication_ids: list[int]) -> None:
    from replyqueue.publishing.tasks import publish

    Publication.objects.filter(id__in=publication_ids).update(enqueued_at=timezone.now())
    for publication_id in publication_ids:
        try:
            publish.delay(publication_id)
        except Exception:
            log.exception("could not enqueue publication %s; the sweeper will retry", publication_id)
            return
