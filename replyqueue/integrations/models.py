from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from replyqueue.comments.models import Comment


class TimeSource(models.TextChoices):
    DELIVERY = "delivery", pgettext_lazy("comment time source", "when the platform notified us")
    PLATFORM = "platform", pgettext_lazy("comment time source", "the comment's own time")


class CommentTime(models.Model):
    """Where a comment's `created_at` came from, when the delivery did not say (Instagram's
    `comments` webhook carries no time), and the lookup that replaces it with the comment's own
    `timestamp` (integrations/meta/comment_time.py). The row is the work: `next_attempt_at` is
    when to ask Graph (again); null once there is nothing more to ask."""

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20, choices=TimeSource.choices, default=TimeSource.DELIVERY)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True, help_text="When Graph last answered (or refused).")
    last_error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker was last woken for this lookup (the sweep wakes one again "
        "when the lookup is due and that wake-up is older than the due time, or lost)."
    )

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at"], name="comment_time_due", condition=Q(next_attempt_at__isnull=False))
        ]

    def __str__(self) -> str:
        return f"time of comment {self.comment_id} ({self.source})"


class YouTubeThread(models.Model):
    """How many replies a YouTube comment thread had when the poller last read them
    (`totalReplyCount`), so a later poll re-reads the replies of a thread only when it grew."""

    channel = models.ForeignKey("comments.Channel", on_delete=models.CASCADE, related_name="+")
    thread_id = models.CharField(max_length=200)
    reply_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "thread_id"], name="one_count_per_thread")]

    def __str__(self) -> str:
        return f"thread {self.thread_id}: {self.reply_count} replies"
