from celery import shared_task

from replyqueue.health.services import heartbeat_record


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Sent by beat; running it proves beat, the broker and a worker work (see /readyz)."""
    heartbeat_record()
