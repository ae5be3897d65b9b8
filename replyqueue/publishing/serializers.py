from rest_framework import serializers

from replyqueue.publishing.models import Publication, PublicationStatus


class PublicationOut(serializers.ModelSerializer):
    class Meta:
        model = Publication
        fields = [
            "id", "draft", "comment", "connector", "channel", "status", "text", "ai_assisted", "label", "language",
            "idempotency_key", "due_at", "attempts",
            "next_attempt_at", "sent_at", "last_error", "external_reply_id", "created_at",
        ]


class PublicationListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=PublicationStatus.choices, required=False)


class AckIn(serializers.Serializer):
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class RotateSecretIn(serializers.Serializer):
    """Rotating cuts off receivers still on the old secret once the grace ends, so the request
    must say so explicitly: an empty or stray body (`[]`, `{}`) rotates nothing."""

    grace_hours = serializers.FloatField(
        min_value=0, max_value=24 * 30, help_text="How long the old secret keeps signing too (0: stop it at once)."
    )


class RotateSecretOut(serializers.Serializer):
    secret = serializers.CharField()
    previous_secrets_valid_until = serializers.DateTimeField(allow_null=True)
