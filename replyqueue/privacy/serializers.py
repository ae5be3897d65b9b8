from rest_framework import serializers

from replyqueue.comments.models import Platform


class FanEraseIn(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    fan_id = serializers.CharField(max_length=200, help_text="The fan's id on the platform (author.external_id).")


class ErasureOut(serializers.Serializer):
    erased = serializers.BooleanField()
    platform = serializers.CharField()
    fan_hash = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    created_at = serializers.DateTimeField()
