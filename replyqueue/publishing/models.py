import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from accounts.models import Creator
from replyqueue.comments.models import Channel, Comment


class PublicationStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("publication status", "queued")
    SENDING = "sending", pgettext_lazy("publication status", "sending")
    SENT = "sent", pgettext_lazy("publication status", "sent")
    FAILED = "failed", pgettext_lazy("publication status", "failed")  # will retry at next_attempt_at
    UNKNOWN = "unknown", pgettext_lazy("publication status", "unknown")  # the request left, no answer came: reconciled before any retry
    DEAD = "dead", pgettext_lazy("publication status", "dead")  # gave up; can be retried by hand
    CANCELLED = "cancelled", pgettext_lazy("publication status", "cancelled")  # undone inside the undo window, never sent


RETRYABLE = (PublicationStatus.QUEUED, PublicationStatus.FAILED, PublicationStatus.UNKNOWN)


def new_idempotency_key() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Publication(models.Model):
    """The outbox row for one approved reply, written in the approval's transaction."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="publications")
    draft = models.ForeignKey("inbox.Draft", on_delete=models.PROTECT, related_name="publications")
    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="publications")
    connector = models.CharField(max_length=20, default="webhook")
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="publications",
        help_text="The platform account a meta/youtube reply goes out through (its credentials and rate limit).",
    )
    status = models.CharField(max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.QUEUED)
    text = models.TextField(help_text="Exactly what is published, disclosure label included.")
    ai_assisted = models.BooleanField(
        default=True, help_text="False when a person wrote the reply (the creator's own answer, or a full rewrite)."
    )
    label = models.CharField(max_length=100, blank=True, help_text="The disclosure label appended, in the reply's language.")
    language = models.CharField(max_length=10, blank=True, help_text="The reply's language (the comment's).")
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_idempotency_key)
    due_at = models.DateTimeField(default=timezone.now, help_text="Not sent before: the undo window or a schedule.")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True, help_text="The worker (hostname:pid) holding the claim.")
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    outcome_unknown = models.BooleanField(
        default=False, help_text="The last request left without an answer: reconcile before re-sending."
    )
    external_reply_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment"], condition=~Q(status="cancelled"), name="one_live_publication_per_comment"
            )
        ]
        indexes = [
            models.Index(fields=["creator", "status", "-id"], name="publication_list"),
            models.Index(
                fields=["next_attempt_at"],
                name="publication_due",
                condition=Q(status__in=["queued", "failed", "unknown"]),
            ),
        ]

    def __str__(self) -> str:
        return f"publication {self.id} ({self.status})"


class ChannelSend(models.Model):
    """One request sent through a channel: the sliding window its rate limit is counted in."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["channel", "sent_at"], name="channel_send_window")]

    def __str__(self) -> str:
        return f"send on channel {self.channel_id} at {self.sent_at:%H:%M:%S}"


class ChannelQuota(models.Model):
    """A hold on one channel: `exhausted_until` is set when Meta throttles it (integrations/meta/throttle.py).
    YouTube quota is no longer counted here but per Cloud project in QuotaLedger."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="quota")
    day = models.DateField(help_text="The quota day (America/Los_Angeles) units_used counts for.")
    units_used = models.PositiveIntegerField(default=0)
    exhausted_until = models.DateTimeField(
        null=True, blank=True, help_text="The platform said the quota is spent: no calls before this time."
    )

    def __str__(self) -> str:
        return f"quota of channel {self.channel_id}: {self.units_used} units on {self.day}"


class QuotaLedger(models.Model):
    """API units spent by one Google Cloud project on one quota day (YouTube counts 10,000 units a
    day per project, reset at midnight America/Los_Angeles, whichever channel spends them).
    Replies and polling draw from the same row; polling stops at a reserve kept for replies."""

    project = models.CharField(max_length=200, help_text="YOUTUBE_PROJECT, or the channel's project / OAuth client_id.")
    day = models.DateField(help_text="The quota day (America/Los_Angeles).")
    units_used = models.PositiveIntegerField(default=0)
    reply_units = models.PositiveIntegerField(default=0, help_text="Of units_used, spent on replies.")
    exhausted_until = models.DateTimeField(
        null=True, blank=True, help_text="Google said quotaExceeded: no calls before this time."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "day"], name="one_ledger_per_project_day")]

    def __str__(self) -> str:
        return f"quota of {self.project}: {self.units_used} units on {self.day}"


class RetiredWebhookSecret(models.Model):
    """A creator's previous signing secret, still used to sign deliveries until its grace period ends.

    Standard Webhooks lets a delivery carry several signatures, so receivers can switch to the
    new secret at their own pace during the grace period.
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="retired_webhook_secrets")
    secret = models.CharField(max_length=200)
    retired_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["creator", "expires_at"], name="retired_secret_live")]

    def __str__(self) -> str:
        return f"secret of {self.creator_id} retired at {self.retired_at:%Y-%m-%d %H:%M}"
