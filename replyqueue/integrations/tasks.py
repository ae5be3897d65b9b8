"""Celery finds each app's `tasks` module; the platforms keep theirs in their own package."""

from replyqueue.integrations.youtube.tasks import poll_youtube_channels

__all__ = ["poll_youtube_channels"]
