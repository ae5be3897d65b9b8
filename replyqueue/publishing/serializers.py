from rest_framework import serializers

from replyqueue.publishing.models import Publication, PublicationStatus


class PublicationOut(serializers.ModelSerializer):
    class Meta:
        model = Publication
        fields = [
            "id", "draft", "comment", "connector", "status", "text", "idempotency_key", "due_at", "attempts",
            "next_attempt_at", "sent_at", "last_error", "external_reply_id", "created_at",
        ]


class PublicationListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=PublicationStatus.choices, required=False)


class AckIn(serializers.Serializer):
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
