from celery import shared_task
from django.conf import settings
from django.utils import timezone

from replyqueue.privacy.retention import retention_apply


@shared_task(acks_late=True)
def apply_retention() -> dict[str, int]:
    """Beat, hourly: redact comments and decision texts older than RETENTION_DAYS (0: off)."""
    return retention_apply(now=timezone.now(), days=settings.RETENTION_DAYS)
