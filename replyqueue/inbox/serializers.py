from rest_framework import serializers

from replyqueue.clone.serializers import BriefOut
from replyqueue.comments.models import Category
from replyqueue.comments.serializers import CommentOut
from replyqueue.inbox.models import MAX_REPLY_CHARS, Draft, DraftStatus
from replyqueue.publishing.services import send_at_error


class DraftOut(serializers.ModelSerializer):
    comment = serializers.SerializerMethodField()

    class Meta:
        model = Draft
        fields = [
            "id", "comment", "status", "text", "drafted_text", "sources", "confidence", "flags", "version",
            "drafter", "generation", "rank", "created_at", "decided_at", "brief",
        ]

    def get_comment(self, draft) -> dict | int | None:
        if self.context.get("nested") or draft.comment_id is None:
            return draft.comment_id
        comment = draft.comment
        return {
            "id": comment.id,
            "platform": comment.platform,
            "external_id": comment.external_id,
            "text": comment.text,
            "author": comment.fan.name,
            "category": comment.category,
        }


class DraftListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=DraftStatus.choices, required=False)


class ApproveIn(serializers.Serializer):
    text = serializers.CharField(required=False, max_length=MAX_REPLY_CHARS)
    version = serializers.IntegerField(required=False, min_value=1)
    send_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Publish at this time (ISO 8601, future, within 30 days)."
    )
    confirm = serializers.BooleanField(
        required=False, default=False,
        help_text="Approve even though the fan wrote again in the thread since the draft was made (409 otherwise).",
    )

    def validate_send_at(self, value):
        if value is not None and (error := send_at_error(value)):
            raise serializers.ValidationError(error)
        return value


class RejectIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    version = serializers.IntegerField(required=False, min_value=1)


class MarkIn(serializers.Serializer):
    category = serializers.ChoiceField(
        choices=Category.choices,
        help_text="What the comment is. spam or abuse files it (no reply) and supersedes its drafts; another category "
        "on a filed comment asks for a draft. Either way the creator's triage learns from it.",
    )


class CommentWithDraftsOut(CommentOut):
    """A comment, its triage and its drafts (GET /api/v1/comments/{id}/)."""

    drafts = serializers.SerializerMethodField()

    class Meta(CommentOut.Meta):
        fields = [*CommentOut.Meta.fields, "drafts"]

    def get_drafts(self, comment) -> list:
        return DraftOut(comment.drafts.order_by("id"), many=True, context={"nested": True}).data


class BriefWithDraftsOut(BriefOut):
    """A content brief and its variant drafts."""

    drafts = serializers.SerializerMethodField()

    def get_drafts(self, brief) -> list:
        return DraftOut(brief.drafts.order_by("rank"), many=True, context={"nested": True}).data
