"""A creator's data, whole, as one JSON document (GDPR art. 20). Secrets never leave: no channel
credentials, no webhook secret, no token hashes."""

from django.http import JsonResponse
from django.utils import timezone

from accounts.models import Creator
from replyqueue.clone.models import CommunityRule, KnowledgeItem, Persona
from replyqueue.comments.models import Channel, Comment
from replyqueue.inbox.models import Decision, Draft, Snippet
from replyqueue.privacy.models import Erasure
from replyqueue.publishing.models import Publication

EXPORT_VERSION = 1

PERSONA_FIELDS = (
    "display_name", "greeting", "signoff", "tone", "typical_length", "emoji_rate", "favourite_emoji", "languages",
    "avoid_topics", "disclosure_label", "confidence_threshold", "support_resources",
)
CHANNEL_FIELDS = (
    "id", "platform", "name", "external_id", "connector", "base_url", "rate_limit_per_minute", "disclosure_label",
    "enabled", "created_at", "token_expires_at",
)
KNOWLEDGE_FIELDS = ("id", "kind", "prompt", "body", "origin", "language", "created_at")
RULE_FIELDS = ("id", "position", "name", "kind", "value", "action", "label", "enabled", "created_at")
COMMENT_FIELDS = (
    "id", "platform", "external_id", "fan__external_id", "fan__name", "post__external_id", "parent_external_id",
    "text", "created_at", "received_at", "status", "reason", "category", "language", "labels",
)
DRAFT_FIELDS = (
    "id", "comment_id", "brief_id", "status", "text", "drafted_text", "sources", "confidence", "drafter",
    "created_at", "decided_at",
)
DECISION_FIELDS = (
    "id", "draft_id", "comment_id", "action", "user__email", "token__name", "before_text", "after_text", "reason",
    "created_at",
)
PUBLICATION_FIELDS = (
    "id", "draft_id", "comment_id", "connector", "channel_id", "status", "text", "ai_assisted", "label", "language",
    "attempts", "sent_at", "acked_at", "last_error", "external_reply_id", "created_at",
)
ERASURE_FIELDS = ("platform", "fan_hash", "via", "counts", "created_at")


def _rows(queryset, fields: tuple[str, ...]) -> list[dict]:
    return list(queryset.order_by("id").values(*fields).iterator(chunk_size=2000))


def creator_export(*, creator: Creator) -> dict:
    persona = Persona.objects.filter(creator=creator).values(*PERSONA_FIELDS).first()
    return {
        "format": "replyqueue-export",
        "version": EXPORT_VERSION,
        "exported_at": timezone.now(),
        "creator": {
            "slug": creator.slug, "name": creator.name, "webhook_url": creator.webhook_url,
            "undo_delay_seconds": creator.undo_delay_seconds, "created_at": creator.created_at,
        },
        "persona": persona,
        "channels": _rows(Channel.objects.filter(creator=creator), CHANNEL_FIELDS),
        "knowledge": _rows(KnowledgeItem.objects.filter(creator=creator), KNOWLEDGE_FIELDS),
        "rules": _rows(CommunityRule.objects.filter(creator=creator), RULE_FIELDS),
        "snippets": _rows(Snippet.objects.filter(creator=creator), ("id", "name", "text", "created_at")),
        "comments": _rows(Comment.objects.filter(creator=creator), COMMENT_FIELDS),
        "drafts": _rows(Draft.objects.filter(creator=creator), DRAFT_FIELDS),
        "decisions": _rows(Decision.objects.filter(creator=creator), DECISION_FIELDS),
        "publications": _rows(Publication.objects.filter(creator=creator), PUBLICATION_FIELDS),
        "erasures": _rows(Erasure.objects.filter(creator=creator), ERASURE_FIELDS),
    }


def export_response(*, creator: Creator) -> JsonResponse:
    """The export as a download, for the settings page and the API alike."""
    response = JsonResponse(creator_export(creator=creator), json_dumps_params={"ensure_ascii": False})
    filename = f"replyqueue-{creator.slug}-{timezone.now():%Y%m%d-%H%M%S}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
