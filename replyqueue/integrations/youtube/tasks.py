from celery import shared_task

from replyqueue.integrations.youtube.ingest import youtube_channels_poll


@shared_task(acks_late=True, ignore_result=True)
def poll_youtube_channels() -> None:
    """Poll every enabled YouTube channel for new comment threads (see ingest.py)."""
    youtube_channels_poll()
