from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from replyqueue.comments.models import Channel


def channel_notices(request) -> dict:
    """Channels of the current creator whose access token expired or expires within
    TOKEN_WARN_DAYS: every page (inbox, settings) asks to reconnect them. Lazy: partial
    responses that never render it run no query."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"channel_notices": []}

    def expiring() -> list[Channel]:
        soon = timezone.now() + timedelta(days=settings.TOKEN_WARN_DAYS)
        rows = Channel.objects.filter(creator_id=membership.creator_id, enabled=True, token_expires_at__lte=soon)
        return list(rows.order_by("token_expires_at"))

    return {"channel_notices": SimpleLazyObject(expiring)}
