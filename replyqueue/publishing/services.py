"""The outbox: creating, claiming, sending and recording publications."""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from replyqueue.clone.models import Persona
from replyqueue.inbox.models import Draft
from replyqueue.publishing.connectors import Outcome, get_connector
from replyqueue.publishing.models import RETRYABLE, Publication, PublicationStatus

log = logging.getLogger(__name__)
PULL = "pull"


def published_text(draft: Draft) -> str:
    """The reply as the fan will see it: labelled as AI-assisted, as the creator configured."""
    label = Persona.objects.filter(creator_id=draft.creator_id).values_list("disclosure_label", flat=True).first()
    return f"{draft.text}\n\n{label}" if label else draft.text


def publication_create(*, draft: Draft) -> Publication:
    """Called inside the approval's transaction; the send is enqueued only after commit."""
    creator = draft.creator
    now = timezone.now()
    publication = Publication.objects.create(
        creator=creator,
        draft=draft,
        comment_id=draft.comment_id,
        connector="webhook" if creator.webhook_url else PULL,
        text=published_text(draft),
        due_at=now + timedelta(seconds=creator.undo_delay_seconds),
        next_attempt_at=now,
    )
    if publication.connector != PULL and creator.undo_delay_seconds == 0:
        transaction.on_commit(lambda: enqueue_publish([publication.id]))
    return publication


def publication_cancel(*, draft: Draft) -> bool:
    """Cancel the draft's queued publication if it is still inside its undo window."""
    return bool(
        Publication.objects.filter(
            draft=draft, status=PublicationStatus.QUEUED, attempts=0, due_at__gt=timezone.now()
        ).update(status=PublicationStatus.CANCELLED)
    )


def publication_claim(publication_id: int) -> bool:
    """Take the publication for sending; False if it is not due or another worker has it."""
    now = timezone.now()
    return bool(
        Publication.objects.filter(
            id=publication_id, status__in=RETRYABLE, due_at__lte=now, next_attempt_at__lte=now
        )
        .exclude(connector=PULL)
        .update(status=PublicationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
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
    publication = Publication.objects.select_related("creator", "comment__post").get(id=publication_id)
    connector = get_connector(publication.connector)
    outcome = None
    if publication.outcome_unknown:
        outcome = connector.reconcile(publication)
    if outcome is None:
        try:
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


def publications_due(limit: int = 500) -> list[int]:
    now = timezone.now()
    lost = now - timedelta(seconds=settings.LOST_TASK_SECONDS)
    return list(
        Publication.objects.filter(status__in=RETRYABLE, due_at__lte=now, next_attempt_at__lte=now)
        .exclude(connector=PULL)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at")) | Q(enqueued_at__lt=lost))
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


def publications_release_stale() -> int:
    """A worker died mid-send: we cannot know whether the request arrived, so: unknown."""
    stale = timezone.now() - timedelta(seconds=settings.STALE_CLAIM_SECONDS)
    return Publication.objects.filter(status=PublicationStatus.SENDING, claimed_at__lt=stale).update(
        status=PublicationStatus.UNKNOWN, outcome_unknown=True, last_error="The worker stopped while sending."
    )
