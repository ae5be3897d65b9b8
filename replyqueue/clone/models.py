from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Creator
from replyqueue.comments.models import Category
from replyqueue.core import explain


class Persona(models.Model):
    """The creator's voice: how the clone greets, signs off, and what it never talks about."""

    creator = models.OneToOneField(Creator, on_delete=models.CASCADE, related_name="persona")
    display_name = models.CharField(max_length=100)
    greeting = models.CharField(max_length=100, default="Hey", blank=True)
    signoff = models.CharField(max_length=100, blank=True)
    tone = models.CharField(max_length=200, default="warm, casual", blank=True)
    typical_length = models.PositiveIntegerField(default=160, help_text="Typical reply length in characters.")
    emoji_rate = models.FloatField(default=0.0, help_text="Share of replies that carry an emoji.")
    favourite_emoji = models.CharField(max_length=20, blank=True)
    languages = models.JSONField(default=list, blank=True)
    avoid_topics = models.JSONField(default=list, blank=True)
    disclosure_label = models.CharField(max_length=100, default="(AI-assisted reply)", blank=True)
    # Chosen on datasets/clone_eval.json as the lowest that keeps at least 65 % of unanswerable
    # comments silent (the target is 60 %); each creator can move it on the voice page.
    confidence_threshold = models.FloatField(default=0.35)
    support_resources = models.TextField(
        blank=True,
        help_text="Suggested to you on sensitive comments (crisis, health, money...), e.g. a helpline you trust.",
    )
    # Bumped on every knowledge change so each worker's vocabulary cache notices within one draft.
    knowledge_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_name


class KnowledgeKind(models.TextChoices):
    # The labels are the ones Django made from the names (migrations record them).
    FAQ = "faq", _("Faq")
    REPLY = "reply", _("Reply")
    POST = "post", _("Post")


class KnowledgeItem(models.Model):
    """Something the creator has said that the clone may draw on.

    `prompt` is what a fan would ask (the FAQ question, the fan comment of a past exchange, the
    post title); `body` is what the creator said (the answer, their reply, the caption).
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="knowledge")
    kind = models.CharField(max_length=10, choices=KnowledgeKind.choices)
    prompt = models.TextField(blank=True)
    body = models.TextField()
    origin = models.CharField(max_length=30, default="api", help_text="api, import, settings, approved_draft …")
    content_hash = models.CharField(max_length=64)
    language = models.CharField(max_length=10, blank=True, help_text="Language of the body (en, fr), detected when stored.")
    embedding = models.BinaryField(null=True, blank=True, help_text="float16 sentence embedding of the question side.")
    embedding_model = models.CharField(max_length=100, blank=True, help_text="The model that made `embedding`.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creator", "content_hash"], name="unique_knowledge_content")
        ]
        indexes = [models.Index(fields=["creator", "-id"], name="knowledge_by_creator")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.prompt[:40] or self.body[:40]}"


class RuleKind(models.TextChoices):
    PHRASE = "phrase", _("Blocked words or phrases")
    LINK = "link", _("Any link")
    PATTERN = "pattern", _("Regular expression")
    TOPIC = "topic", _("Topic never to engage on")
    VIP_FAN = "vip_fan", _("VIP fans (always to the creator)")
    MUTED_FAN = "muted_fan", _("Muted fans")


class RuleAction(models.TextChoices):
    NO_REPLY = "no_reply", _("No reply")
    ESCALATE = "escalate", _("Escalate to the owner")
    DRAFT = "draft", _("Draft normally")
    LABEL = "label", _("Label only")


class CommunityRule(models.Model):
    """A creator's own triage rule. Rules apply in `position` order, before the built-in ones;
    the first rule whose action decides (anything but `label`) wins."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="community_rules")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    value = models.TextField(blank=True, help_text="One word, phrase, pattern or fan per line.")
    action = models.CharField(max_length=20, choices=RuleAction.choices)
    label = models.CharField(max_length=50, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class TriageFeedbackSource(models.TextChoices):
    MARK = "mark", _("marked by a reviewer")
    APPROVAL = "approval", _("a reply was approved")


class TriageFeedback(models.Model):
    """A person's verdict on a comment's category (spam / not spam, abuse / fine ...): it trains
    that creator's classifier."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="triage_feedback")
    comment = models.OneToOneField("comments.Comment", on_delete=models.CASCADE, related_name="feedback")
    category = models.CharField(max_length=20, choices=Category.choices)
    source = models.CharField(max_length=10, choices=TriageFeedbackSource.choices, default=TriageFeedbackSource.MARK)
    user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.comment_id} is {self.category}"


class BriefKind(models.TextChoices):
    CAPTION = "caption", _("Caption")
    TITLE = "title", _("Title")
    REPLY_TEMPLATE = "reply_template", _("Reply Template")


class BriefStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("brief status", "received")
    DRAFTED = "drafted", pgettext_lazy("brief status", "drafted")
    FAILED = "failed", pgettext_lazy("brief status", "failed")


class ContentBrief(models.Model):
    """A creator asks for content in their style (captions, titles, reply templates) from a brief
    or an existing post; the variants are drafts reviewed in the same queue as replies."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="briefs")
    kind = models.CharField(max_length=20, choices=BriefKind.choices)
    brief = models.TextField()
    post_text = models.TextField(blank=True, help_text="An existing post or transcript to draw on.")
    variants = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=20, choices=BriefStatus.choices, default=BriefStatus.RECEIVED)
    reason = models.CharField(max_length=500, blank=True)
    reason_i18n = models.JSONField(null=True, blank=True)  # `reason` as a template and parameters (core.explain)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Drafting runs started: a brief that kills its worker every time ends failed (the sweeper)
    # instead of being enqueued again forever.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind}: {self.brief[:40]}"

    def reason_in_language(self) -> str:
        return explain.shown(self.reason, self.reason_i18n)
