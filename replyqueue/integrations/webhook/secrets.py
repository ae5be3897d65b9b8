"""Rotating a creator's Standard Webhooks signing secret without breaking their receiver.

After a rotation every delivery is signed with the new secret and, until the grace period ends,
also with the old one (`webhook-signature: v1,<new> v1,<old>`), so the receiver keeps verifying
while its configuration is updated.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Creator
from accounts.services import new_webhook_secret
from replyqueue.publishing.models import RetiredWebhookSecret


def signing_secrets(creator: Creator) -> list[str]:
    """The current secret first, then every retired one still in its grace period (loaded with the
    claim as `live_retired_secrets` when a batch is sent, else read here)."""
    secrets = [creator.webhook_secret] if creator.webhook_secret else []
    loaded = getattr(creator, "live_retired_secrets", None)
    if loaded is not None:
        retired = [row.secret for row in loaded]
    else:
        live = RetiredWebhookSecret.objects.filter(creator=creator, expires_at__gt=timezone.now())
        retired = list(live.order_by("-retired_at").values_list("secret", flat=True))
    return secrets + [secret for secret in retired if secret not in secrets]


@transaction.atomic
def webhook_secret_rotate(*, creator: Creator, grace: timedelta | None = None) -> str:
    """A new signing secret; the old one keeps signing for `grace` (default WEBHOOK_SECRET_GRACE_HOURS)."""
    grace = timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS) if grace is None else grace
    locked = Creator.objects.select_for_update().get(id=creator.id)  # two rotations at once keep both old secrets
    now = timezone.now()
    RetiredWebhookSecret.objects.filter(creator=locked, expires_at__lte=now).delete()
    if locked.webhook_secret and grace > timedelta(0):
        RetiredWebhookSecret.objects.create(
            creator=locked, secret=locked.webhook_secret, retired_at=now, expires_at=now + grace
        )
    locked.webhook_secret = new_webhook_secret()
    locked.save(update_fields=["webhook_secret"])
    creator.webhook_secret = locked.webhook_secret
    return locked.webhook_secret
