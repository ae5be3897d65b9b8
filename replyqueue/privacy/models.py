from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import ApiToken, Creator


class Erasure(models.Model):
    """That a fan's data was erased: who asked, when, on which platform. Never the fan's id or
    text: `fan_hash` lets the creator answer "was this person erased?" for an id they are given
    again, and nothing else."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="erasures")
    platform = models.CharField(max_length=20)
    fan_hash = models.CharField(max_length=64, help_text="SHA-256 of creator id, platform and fan id.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    token = models.ForeignKey(ApiToken, on_delete=models.SET_NULL, null=True, blank=True)
    via = models.CharField(max_length=10, help_text="web, api or command")
    counts = models.JSONField(default=dict, blank=True, help_text="How many rows of each kind were removed.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["creator", "-created_at"], name="erasure_log")]

    def __str__(self) -> str:
        return f"erasure on {self.platform} at {self.created_at:%Y-%m-%d %H:%M}"
