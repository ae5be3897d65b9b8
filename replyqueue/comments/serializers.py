from rest_framework import serializers

from replyqueue.comments.models import MAX_COMMENT_CHARS, Comment, Platform

MAX_BATCH = 500


class AuthorIn(serializers.Serializer):
    external_id = serializers.CharField(max_length=200)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PostIn(serializers.Serializer):
    external_id = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True, default="")


class CommentIn(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    external_id = serializers.CharField(max_length=200)
    text = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_COMMENT_CHARS,
        error_messages={"max_length": f"Comment text is longer than {MAX_COMMENT_CHARS} characters."},
    )
    author = AuthorIn()
    post = PostIn(required=False, allow_null=True)
    parent_external_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    created_at = serializers.DateTimeField(required=False, allow_null=True)


class CommentBatchIn(serializers.Serializer):
    comments = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=MAX_BATCH)


class IngestResultOut(serializers.Serializer):
    id = serializers.IntegerField(source="comment.id")
    external_id = serializers.CharField(source="comment.external_id")
    status = serializers.CharField(source="comment.status")
    duplicate = serializers.BooleanField()


class IngestResponseOut(serializers.Serializer):
    results = IngestResultOut(many=True)


class CommentOut(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    post = serializers.SerializerMethodField()
    triage = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id", "platform", "external_id", "text", "author", "post", "parent_external_id", "created_at",
            "received_at", "status", "reason", "category", "triage",
        ]

    def get_author(self, comment) -> dict:
        return {"external_id": comment.fan.external_id, "name": comment.fan.name}

    def get_post(self, comment) -> dict | None:
        if comment.post is None:
            return None
        return {"external_id": comment.post.external_id, "title": comment.post.title, "url": comment.post.url}

    def get_triage(self, comment) -> dict:
        return {
            "category": comment.category,
            "language": comment.language,
            "priority": comment.priority,
            "reasons": comment.reasons,
            "owner_only": comment.owner_only,
            "labels": comment.labels,
            "rule": comment.triage_rule_id,
        }

