"""Celery finds each app's `tasks` module; the platforms keep theirs in their own package."""

from replyqueue.integrations.meta.tasks import check_meta_tokens, fetch_comment_times, sweep_comment_times
from replyqueue.integrations.youtube.tasks import poll_youtube_channels

__all__ = ["check_meta_tokens", "fetch_comment_times", "poll_youtube_channels", "sweep_comment_times"]
