from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def poll_youtube_channels() -> None:
    """Poll every enabled YouTube channel for new comment threads (see youtube_poller)."""
    from replyqueue.comments.youtube_poller import youtube_channels_poll

    youtube_channels_poll()
