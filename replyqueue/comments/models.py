from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from accounts.models import Creator
from replyqueue.core import explain
from replyqueue.core.crypto import decrypt_json, encrypt_json

MAX_COMMENT_CHARS = 10_000  # YouTube's own limit; longer text is refused, never truncated silently


class Platform(models.TextChoices):
    YOUTUBE = "youtube", "YouTube"
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    TIKTOK = "tiktok", "TikTok"
    OTHER = "other", pgettext_lazy("platform", "other")


class Channel(models.Model):
    """A creator's account on a platform: where comments come from and where replies go.

    `connector` says how replies are published for comments on this platform (webhook, pull,
    meta, youtube); credentials (access tokens, app secrets) are stored encrypted.
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="channels")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    name = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=200, help_text="Page id, Instagram account id or YouTube channel id.")
    connector = models.CharField(max_length=20, default="webhook")
    base_url = models.URLField(blank=True, max_length=500, help_text="API base URL (for tests and proxies).")
    credentials_encrypted = models.TextField(blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(default=30)
    disclosure_label = models.CharField(
        max_length=100, blank=True, help_text="Overrides the persona's AI-assisted label on this platform."
    )
    poll_cursor = models.CharField(max_length=500, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    token_expires_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the access token stops working (Meta: set when connecting, checked with /debug_token); "
        "empty when it does not expire or is not known.",
    )
    token_checked_at = models.DateTimeField(null=True, blank=True, help_text="When token_expires_at was last checked.")
    token_warned_at = models.DateTimeField(
        null=True, blank=True, help_text="When the owners were emailed that this token expires; cleared by a new token."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creator", "platform", "external_id"], name="unique_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.name or self.external_id}"

    @property
    def credentials(self) -> dict:

        return decrypt_json(self.credentials_encrypted)

    def set_credentials(self, value: dict) -> None:
        self.credentials_encrypted = encrypt_json(value)

    def token_expires_soon(self, now=None) -> bool:
        """Expired, or expiring within settings.TOKEN_WARN_DAYS: the owner must reconnect the channel."""
        now = now or timezone.now()
        return bool(self.token_expires_at and self.token_expires_at <= now + timedelta(days=settings.TOKEN_WARN_DAYS))

    @property
    def token_expired(self) -> bool:
        return bool(self.token_expires_at and self.token_expires_at <= timezone.now())


class Fan(models.Model):
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="fans")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creator", "platform", "external_id"], name="unique_fan_per_platform")
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class Post(models.Model):
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="posts")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=200)
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creator", "platform", "external_id"], name="unique_post_per_platform")
        ]

    def __str__(self) -> str:
        return self.title or self.external_id


class CommentStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("comment status", "received")
    DRAFTED = "drafted", pgettext_lazy("comment status", "drafted")
    NEEDS_HUMAN = "needs_human", pgettext_lazy("comment status", "needs_human")
    NO_REPLY = "no_reply", pgettext_lazy("comment status", "no_reply")


class Category(models.TextChoices):
    QUESTION = "question", pgettext_lazy("category", "question")
    PRAISE = "praise", pgettext_lazy("category", "praise")
    COMPLAINT = "complaint", pgettext_lazy("category", "complaint")
    REQUEST = "request", pgettext_lazy("category", "request")
    SPAM = "spam", pgettext_lazy("category", "spam")
    ABUSE = "abuse", pgettext_lazy("category", "abuse")
    SENSITIVE = "sensitive", pgettext_lazy("category", "sensitive")
    THREAT = "threat", pgettext_lazy("category", "threat")
    BUSINESS = "business", pgettext_lazy("category", "business")
    OTHER = "other", pgettext_lazy("category", "other")


SAFETY_CATEGORIES = (Category.SENSITIVE, Category.THREAT)  # the owner sees these first, whatever a rule or mark says


class Comment(models.Model):
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="comments")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=200)
    fan = models.ForeignKey(Fan, on_delete=models.PROTECT, related_name="comments")
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments")
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments")
    parent_external_id = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(null=True, blank=True, help_text="When the fan wrote it (platform time).")
    received_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(max_length=20, choices=CommentStatus.choices, default=CommentStatus.RECEIVED)
    reason = models.CharField(max_length=500, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    language = models.CharField(max_length=10, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    # `reason` and `reasons` as translatable templates with their parameters (core.explain), so a
    # page shows them in the reader's language; the fields above keep them in English for the API.
    reason_i18n = models.JSONField(null=True, blank=True)
    reasons_i18n = models.JSONField(default=list, blank=True)
    owner_only = models.BooleanField(default=False)
    labels = models.JSONField(default=list, blank=True, help_text="Labels added by community rules.")
    triage_rule = models.ForeignKey(
        "clone.CommunityRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The community rule that decided, if one did.",
    )
    assigned_to = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_comments"
    )

    # Processing bookkeeping: a worker claims the comment by stamping `claimed_at`; the sweeper
    # re-enqueues comments still `received` whose claim is missing or stale.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True, help_text="The worker (hostname:pid) holding the claim.")
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    triaged_at = models.DateTimeField(
        null=True, blank=True, help_text="When triage recorded its result (a comment to draft stays received until drafted)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "platform", "external_id"], name="unique_comment_per_platform"
            )
        ]
        indexes = [
            models.Index(fields=["creator", "status", "-received_at"], name="comment_queue"),
            models.Index(
                fields=["received_at"],
                name="comment_waiting",
                condition=models.Q(status="received"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"

    @property
    def is_safety_case(self) -> bool:
        return self.category in SAFETY_CATEGORIES

    # What people read, in the active language (core.explain); the fields stay English for the API.
    def reason_in_language(self) -> str:
        return explain.shown(self.reason, self.reason_i18n)

    def reasons_in_language(self) -> list[str]:
        kept = self.reasons_i18n or []
        return [explain.shown(reason, kept[i] if i < len(kept) else None) for i, reason in enumerate(self.reasons or [])]

    def labels_in_language(self) -> list[str]:
        return [explain.label_shown(label) for label in self.labels or []]
