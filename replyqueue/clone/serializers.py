from django.utils.translation import gettext
from rest_framework import serializers

from replyqueue.clone.models import CommunityRule, KnowledgeItem, KnowledgeKind, RuleAction, RuleKind

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
            message = gettext("Required for kind '%(kind)s'.") % {"kind": data["kind"]}
            raise serializers.ValidationError({f: message for f in missing})
        return data


class KnowledgeBatchIn(serializers.Serializer):
    items = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=MAX_KNOWLEDGE_BATCH)


class KnowledgeOut(serializers.ModelSerializer):
    class Meta:
        model = KnowledgeItem
        fields = ["id", "kind", "prompt", "body", "origin", "created_at"]


class RuleIn(serializers.Serializer):
    """A community rule. `value` holds one word, phrase, pattern or fan per line (a list of
    strings is accepted too)."""

    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=RuleKind.choices)
    value = serializers.CharField(required=False, allow_blank=True, max_length=20_000, default="")
    action = serializers.ChoiceField(choices=RuleAction.choices)
    label = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    enabled = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000, allow_null=True, default=None)

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("value"), list):
            data = {**data, "value": "\n".join(str(line) for line in data["value"])}
        return super().to_internal_value(data)


class KnowledgeAddedOut(serializers.Serializer):
    class Item(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.CharField()

    results = Item(many=True)


class RuleOut(serializers.ModelSerializer):
    class Meta:
        model = CommunityRule
        fields = ["id", "position", "name", "kind", "value", "action", "label", "enabled", "created_at", "updated_at"]


class RulePreviewIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RuleKind.choices)
    value = serializers.CharField(required=False, allow_blank=True, max_length=20_000, default="")
    days = serializers.IntegerField(required=False, min_value=1, max_value=30, default=7)


class RulePreviewOut(serializers.Serializer):
    caught = serializers.IntegerField(help_text="Comments the rule matches.")
    checked = serializers.IntegerField(help_text="Comments received in the period.")
    days = serializers.IntegerField()
    examples = serializers.ListField(child=serializers.CharField(), help_text="Up to 5 matching comments.")
    near_misses = serializers.ListField(
        child=serializers.DictField(), required=False,
        help_text="Up to 5 comments the rule did not catch that come closest in meaning ({text, similarity}).",
    )


class BriefIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["caption", "title", "reply_template"])
    brief = serializers.CharField(max_length=5000)
    post_text = serializers.CharField(max_length=50_000, required=False, allow_blank=True, default="")
    variants = serializers.IntegerField(min_value=1, max_value=5, required=False, default=3)


class BriefOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    brief = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()

