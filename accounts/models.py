import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy


class User(AbstractUser):
    """A person who logs in. The username is their email address."""

    email = models.EmailField(unique=True)
    language = models.CharField(
        max_length=10, blank=True, default="", choices=settings.LANGUAGES,
        help_text="The language of the web pages; empty follows the browser.",
    )


class Creator(models.Model):
    """The workspace (tenant): every creator-owned row points here."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    webhook_url = models.URLField(blank=True, max_length=500)
    webhook_secret = models.CharField(blank=True, max_length=200)
    webhook_disabled_at = models.DateTimeField(
        null=True, blank=True, help_text="The receiver answered 410 Gone: nothing is sent until the URL is saved again."
    )
    webhook_disabled_reason = models.CharField(max_length=300, blank=True)
    undo_delay_seconds = models.PositiveIntegerField(default=30)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.slug


class Role(models.TextChoices):
    OWNER = "owner", pgettext_lazy("role", "owner")
    ASSISTANT = "assistant", pgettext_lazy("role", "assistant")
    VIEWER = "viewer", pgettext_lazy("role", "viewer")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "creator"], name="one_membership_per_creator")]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.creator}"

    @property
    def can_review(self) -> bool:
        return self.role in (Role.OWNER, Role.ASSISTANT)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


TOKEN_PREFIX = "rq_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for one creator. Only its SHA-256 is stored; the raw token is shown once."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    hint = models.CharField(max_length=12, help_text="The first characters, to recognise it in lists.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(cls, *, creator: Creator, name: str) -> tuple["ApiToken", str]:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(creator=creator, name=name, hint=raw[:10], key_hash=hash_token(raw))
        return token, raw

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None



INVITATION_PREFIX = "inv_"
INVITATION_DAYS = 7


class Invitation(models.Model):
    """An emailed invitation to join a creator with a role.

    Only the token's SHA-256 is stored; the raw token travels once, in the email's link. It can be
    accepted once, before `expires_at`.
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["creator", "email"], name="invitation_by_email")]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} of {self.creator}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()
