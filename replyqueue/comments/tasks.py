from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def poll_youtube_channels() -> None:
    """Poll every enabled YouTube channel for new comment threads (see youtube_poller)."""
