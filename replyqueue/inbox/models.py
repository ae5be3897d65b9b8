import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.models import ApiToken, Creator
from replyqueue.clone.drafters.base import MAX_REPLY_CHARS
from replyqueue.comments.models import Comment

__all__ = ["MAX_REPLY_CHARS", "Decision", "DecisionAction", "Draft", "DraftRequest", "DraftStatus", "Notification", "SavedView", "Snippet"]


class DraftStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("draft status", "pending")
    APPROVED = "approved", pgettext_lazy("draft status", "approved")
    REJECTED = "rejected", pgettext_lazy("draft status", "rejected")
    SUPERSEDED = "superseded", pgettext_lazy("draft status", "superseded")


class Draft(models.Model):
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="drafts")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="drafts", null=True, blank=True)
    brief = models.ForeignKey(
        "clone.ContentBrief", on_delete=models.CASCADE, related_name="drafts", null=True, blank=True,
        help_text="Set instead of comment for a content variant.",
    )
    status = models.CharField(max_length=20, choices=DraftStatus.choices, default=DraftStatus.PENDING)
    text = models.TextField()
    drafted_text = models.TextField(help_text="What the clone wrote, before any edit.")
    sources = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(default=0.0)
    approval_chance = models.FloatField(
        null=True, blank=True, help_text="Chance of approval as is, calibrated on the creator's decisions (calibration.py)."
    )
    flags = models.JSONField(default=list, blank=True, help_text="Facts-guard violations: kind, start, end, text.")
    drafter = models.CharField(max_length=30, default="grounded")
    instruction = models.CharField(max_length=200, blank=True)
    generation = models.PositiveSmallIntegerField(default=1)
    rank = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    priority = models.PositiveSmallIntegerField(default=0, help_text="The comment's priority, copied for the queue's index.")
    usage = models.JSONField(default=dict, blank=True, help_text="Tokens and latency for LLM drafts.")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A task run twice writes the same (comment, generation, rank): the second insert fails.
            models.UniqueConstraint(fields=["comment", "generation", "rank"], name="one_draft_per_slot"),
            # The last line of defence against a reply being approved (and sent) twice.
            models.UniqueConstraint(
                fields=["comment"], condition=Q(status="approved"), name="one_approved_draft_per_comment"
            ),
            models.UniqueConstraint(fields=["brief", "rank"], name="one_variant_per_slot"),
            models.CheckConstraint(
                condition=Q(comment__isnull=False, brief__isnull=True) | Q(comment__isnull=True, brief__isnull=False),
                name="draft_answers_a_comment_or_a_brief",
            ),
        ]
        indexes = [
            models.Index(fields=["creator", "status", "-id"], name="draft_queue"),
            models.Index(fields=["creator", "status", "-priority", "-id"], name="draft_queue_priority"),
        ]

    def __str__(self) -> str:
        return f"draft {self.id} ({self.status})"

    @classmethod
    def latest_generation(cls, comment_id: int) -> int:
        """The newest drafting round of a comment (0 before the first): regenerating starts the next."""
        return cls.objects.filter(comment_id=comment_id).order_by("-generation").values_list("generation", flat=True).first() or 0


class DecisionAction(models.TextChoices):
    APPROVE = "approve", pgettext_lazy("decision", "approve")
    EDIT_APPROVE = "edit_approve", pgettext_lazy("decision", "edit_approve")
    REJECT = "reject", pgettext_lazy("decision", "reject")
    UNDO = "undo", pgettext_lazy("decision", "undo")
    REGENERATE = "regenerate", pgettext_lazy("decision", "regenerate")
    ALTERNATIVES = "alternatives", pgettext_lazy("decision", "alternatives")
    DRAFT_ANYWAY = "draft_anyway", pgettext_lazy("decision", "draft_anyway")
    MARK = "mark", pgettext_lazy("decision", "mark")
    ANSWER = "answer", pgettext_lazy("decision", "answer")
    ASSIGN = "assign", pgettext_lazy("decision", "assign")
    RETRY_PUBLICATION = "retry_publication", pgettext_lazy("decision", "retry_publication")
    REQUEST_VARIANTS = "request_variants", pgettext_lazy("decision", "request_variants")


class Decision(models.Model):
    """Audit trail: who did what to which comment or draft, when, and the state before and after."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="decisions")
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="decisions", null=True, blank=True)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="decisions", null=True, blank=True)
    action = models.CharField(max_length=20, choices=DecisionAction.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    token = models.ForeignKey(ApiToken, on_delete=models.SET_NULL, null=True, blank=True)
    before_text = models.TextField(blank=True)
    after_text = models.TextField(blank=True)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["creator", "-created_at"], name="decision_log")]

    def __str__(self) -> str:
        return f"{self.action} on draft {self.draft_id}" if self.draft_id else f"{self.action} on comment {self.comment_id}"

    @property
    def actor_label(self) -> str:
        if self.user_id:
            return self.user.email
        if self.token_id:
            return _("API token %(name)s") % {"name": self.token.name}
        return _("system")


class DraftRequestKind(models.TextChoices):
    REGENERATE = "regenerate", pgettext_lazy("draft request", "regenerate")
    ALTERNATIVES = "alternatives", pgettext_lazy("draft request", "alternatives")
    DRAFT_ANYWAY = "draft_anyway", pgettext_lazy("draft request", "draft anyway")


class DraftRequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("draft request", "pending")
    DONE = "done", pgettext_lazy("draft request", "done")
    FAILED = "failed", pgettext_lazy("draft request", "failed")


class DraftRequest(models.Model):
    """A person asked the clone to draft a comment again. The row is the work: the task only
    wakes a worker, and the sweeper re-enqueues a request whose message was lost."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="draft_requests")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="draft_requests")
    kind = models.CharField(max_length=20, choices=DraftRequestKind.choices)
    instruction = models.CharField(max_length=200, blank=True)
    count = models.PositiveSmallIntegerField(default=1)
    found = models.PositiveSmallIntegerField(default=0, help_text="How many drafts the clone found (alternatives may be fewer than asked).")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=10, choices=DraftRequestStatus.choices, default=DraftRequestStatus.PENDING)
    error = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, blank=True, help_text="The comment's status once the request ran.")
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True, help_text="The worker (hostname:pid) holding the claim.")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="draft_request_waiting", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for comment {self.comment_id} ({self.status})"


class SavedView(models.Model):
    """A named inbox view: the query string of the tab, filters and sort."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="saved_views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["creator", "user", "name"], name="unique_saved_view_name")]

    def __str__(self) -> str:
        return self.name


class Snippet(models.Model):
    """A saved reply of the creator's, inserted into a draft by keyboard (; in the inbox).
    Variables: {fan_name} (the fan's name), {link} (the post's address), {creator} (the
    creator's name); any other {word} stays as written."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="snippets")
    name = models.CharField(max_length=40, help_text="What you type in the picker to find it.")
    text = models.TextField(max_length=MAX_REPLY_CHARS)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["creator", "name"], name="unique_snippet_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def render(self, *, fan_name: str = "", link: str = "", creator: str = "") -> str:
        values = {"fan_name": fan_name, "link": link, "creator": creator}
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), self.text)


class Notification(models.Model):
    """An email sent (or being sent) to a creator's owners: an alert for an owner-only comment,
    or the daily digest. The unique key makes a task run twice send once."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="notifications")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True)
    key = models.CharField(max_length=100, unique=True, help_text="alert:<comment id> or digest:<creator id>:<date>")
    recipients = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
