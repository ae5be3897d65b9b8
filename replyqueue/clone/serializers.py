from rest_framework import serializers

from replyqueue.clone.models import KnowledgeItem, KnowledgeKind

MAX_KNOWLEDGE_BATCH = 1000
MAX_FIELD = 20_000


class KnowledgeIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KnowledgeKind.choices)
    question = serializers.CharField(required=False, max_length=2000)
    answer = serializers.CharField(required=False, max_length=MAX_FIELD)
    comment = serializers.CharField(required=False, max_length=MAX_FIELD)
    reply = serializers.CharField(required=False, max_length=MAX_FIELD)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    text = serializers.CharField(required=False, max_length=100_000)

    REQUIRED = {
        KnowledgeKind.FAQ: ("question", "answer"),
        KnowledgeKind.REPLY: ("comment", "reply"),
        KnowledgeKind.POST: ("text",),
    }

    def validate(self, data):
        missing = [f for f in self.REQUIRED[data["kind"]] if not data.get(f)]
        if missing:
            raise serializers.ValidationError({f: f"Required for kind '{data['kind']}'." for f in missing})
        return data


class KnowledgeBatchIn(serializers.Serializer):
    items = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=MAX_KNOWLEDGE_BATCH)


class KnowledgeOut(serializers.ModelSerializer):
    class Meta:
        model = KnowledgeItem
        fields = ["id", "kind", "prompt", "body", "origin", "created_at"]
