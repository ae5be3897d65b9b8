from celery import shared_task

from replyqueue.publishing.services import publication_send
from replyqueue.publishing.sweeper import sweep_once


@shared_task(acks_late=True)
def publish(publication_id: int) -> None:
    publication_send(publication_id=publication_id)


@shared_task(acks_late=True, ignore_result=True)
def sweep() -> dict:
    return sweep_once()
