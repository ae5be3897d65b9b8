"""The outbox's tasks: thin shells over sending.py and claiming.py. The Publication row is the
work; a message only wakes a worker, and `sweep` finds any row whose wake-up was lost."""

import logging

from celery import shared_task
from django.utils import timezone

from replyqueue.core.workers import heartbeats_prune
from replyqueue.publishing.claiming import channel_sends_prune, publications_due, publications_release_stale
from replyqueue.publishing.models import Publication
from replyqueue.publishing.sending import publication_send

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def publish(publication_id: int) -> None:
    publication_send(publication_id=publication_id)


def enqueue_publish(publication_ids: list[int]) -> None:
    Publication.objects.filter(id__in=publication_ids).update(enqueued_at=timezone.now())
    for publication_id in publication_ids:
        try:
            publish.delay(publication_id)
        except Exception:
            log.exception("could not enqueue publication %s; the sweeper will retry", publication_id)
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
