"""The outbox's tasks: thin shells over sending.py and claiming.py. The Publication row is the
work; a message only wakes a worker, and `sweep` finds any row whose wake-up was lost."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from replyqueue.core.workers import heartbeats_prune
from replyqueue.publishing.claiming import channel_sends_prune, publications_due, publications_release_stale
from replyqueue.publishing.models import Publication
from replyqueue.publishing.sending import publications_send

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def publish(publication_id: int) -> None:
    """Send this publication, with up to PUBLISH_BATCH_SIZE - 1 others due through the same
    connector and channel, concurrently."""
    publications_send(publication_ids=[publication_id])


@shared_task(acks_late=True)
def publish_batch(publication_ids: list[int]) -> None:
    """Send these publications (those still due and free) concurrently: one wake-up per batch."""
    publications_send(publication_ids=publication_ids)


def enqueue_publish(publication_ids: list[int]) -> None:
    """Wake workers for these publications: one task per PUBLISH_BATCH_SIZE of them."""
    Publication.objects.filter(id__in=publication_ids).update(enqueued_at=timezone.now())
    size = max(settings.PUBLISH_BATCH_SIZE, 1)
    for start in range(0, len(publication_ids), size):
        chunk = list(publication_ids[start:start + size])
        try:
            if len(chunk) == 1:
                publish.delay(chunk[0])
            else:
                publish_batch.delay(chunk)
        except Exception:
            log.exception("could not enqueue publications %s; the sweeper will retry", chunk)
            return


def sweep_once() -> dict:
    released = publications_release_stale()
    publication_ids = publications_due()
    enqueue_publish(publication_ids)
    channel_sends_prune()
    heartbeats_prune()
    return {"publications": len(publication_ids), "released": released}


@shared_task(acks_late=True, ignore_result=True)
def sweep() -> dict:
    return sweep_once()
