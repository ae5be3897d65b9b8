"""Meta access tokens expire: know when, and tell the owner before replies start failing.

A long-lived user token lasts about 60 days; a page token obtained from it does not expire by itself
(`expires_at` 0) but stops reading data when the user's data access expires (90 days without the
user using the app: `data_access_expires_at`). Graph then answers 190 to every call. So a channel
stores `token_expires_at`, the earlier of the two:

- when it is connected (`channel_token_store`, with the OAuth answer's `expires_in` when known),
- and from `GET /debug_token?input_token=<token>` (`meta_tokens_check`, a beat task), which answers
  `{"data": {"is_valid", "expires_at", "data_access_expires_at", ...}}`; the call is authenticated
  with the app token `{app_id}|{app_secret}` when the credentials have both, else the token itself
  (Graph accepts any valid token of the same app).

From TOKEN_WARN_DAYS (7) before the expiry every page shows a notice to reconnect the channel,
and the owners get one email (`token_warned_at`; a new token clears it). A 190 from Graph marks the
token expired at once, so the notice shows even when the expiry was not known.
"""

import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Role
from replyqueue.comments.models import Channel, Platform
from replyqueue.publishing.connectors.base import Outcome
from replyqueue.publishing.connectors.platform import call, json_body

log = logging.getLogger(__name__)
META_PLATFORMS = (Platform.INSTAGRAM, Platform.FACEBOOK)
CHECK_EVERY = timedelta(hours=20)  # debug_token at most about once a day per channel


def expiry_from_debug(data: dict) -> datetime | None:
    """The earlier of `expires_at` and `data_access_expires_at` (Unix seconds; 0 or absent: never)."""
    moments = [
        value for value in (data.get("expires_at"), data.get("data_access_expires_at"))
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    ]
    return datetime.fromtimestamp(min(moments), UTC) if moments else None


def channel_token_store(channel: Channel, access_token: str, expires_in: float | None = None,
                        now: datetime | None = None) -> None:
    """Connecting (or reconnecting) a channel: its new token, and when it expires if the OAuth
    exchange said so (`expires_in` seconds); a new token clears any warning already sent."""
    now = now or timezone.now()
    credentials = channel.credentials if channel.credentials_encrypted else {}
    channel.set_credentials({**credentials, "access_token": access_token})
    channel.token_expires_at = now + timedelta(seconds=expires_in) if expires_in else None
    channel.token_checked_at = now if expires_in else None  # unknown: the next check asks debug_token
    channel.token_warned_at = None
    channel.save(update_fields=["credentials_encrypted", "token_expires_at", "token_checked_at", "token_warned_at"])


def channel_token_check(channel: Channel, now: datetime | None = None) -> bool:
    """Ask /debug_token when the channel's token expires and store it. False when Graph could not
    answer (the stored value stays as it was)."""
    now = now or timezone.now()
    try:
        credentials = channel.credentials
    except ValueError:
        return False
    token = credentials.get("access_token")
    if not token:
        return False
    app_id, secret = credentials.get("app_id"), credentials.get("app_secret")
    base = (channel.base_url or settings.META_GRAPH_URL).rstrip("/")
    version = credentials.get("graph_version") or settings.META_GRAPH_VERSION
    params = {"input_token": token, "access_token": f"{app_id}|{secret}" if app_id and secret else token}
    if secret and not app_id:  # apps that "require app secret" want the proof with a user or page token
        params["appsecret_proof"] = hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
    response = call("GET", f"{base}/{version}/debug_token", params=params)
    if isinstance(response, Outcome):
        log.warning("debug_token for channel %s failed: %s", channel.id, response.error)
        return False
    body = json_body(response) or {}
    data = body.get("data")
    if not isinstance(data, dict):
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        if error.get("code") != 190:
            log.warning("debug_token for channel %s failed: HTTP %s", channel.id, response.status_code)
            return False
        data = {"is_valid": False}  # the token we authenticated with is the one checked: invalid
    expires = now if data.get("is_valid") is False else expiry_from_debug(data)
    changed = expires != channel.token_expires_at
    channel.token_expires_at, channel.token_checked_at = expires, now
    fields = ["token_expires_at", "token_checked_at"]
    if changed and expires and channel.token_warned_at and expires > now + timedelta(days=settings.TOKEN_WARN_DAYS):
        channel.token_warned_at = None  # renewed far enough: a later expiry gets its own warning
        fields.append("token_warned_at")
    channel.save(update_fields=fields)
    return True


def token_invalid(channel: Channel, now: datetime | None = None) -> None:
    """Graph answered 190: the token no longer works, whatever expiry we knew."""
    now = now or timezone.now()
    Channel.objects.filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=now), id=channel.id).update(
        token_expires_at=now, token_checked_at=now
    )


def warn_owners(channel: Channel, now: datetime | None = None) -> bool:
    """Email the creator's owners once per expiry; True when this call sent it."""
    now = now or timezone.now()
    if not Channel.objects.filter(id=channel.id, token_warned_at__isnull=True).update(token_warned_at=now):
        return False  # already warned (by another run)
    owners = list(
        Membership.objects.filter(creator_id=channel.creator_id, role=Role.OWNER).values_list("user__email", flat=True)
    )
    if not owners:
        return True
    platform = Platform(channel.platform).label
    expires = channel.token_expires_at
    when = timezone.localtime(expires).strftime("%Y-%m-%d %H:%M %Z")
    if expires <= now:
        subject = f"Reconnect your {platform} channel: its access token has expired"
        first = f"The access token of your {platform} channel {channel} expired on {when}."
    else:
        subject = f"Reconnect your {platform} channel before {timezone.localtime(expires):%Y-%m-%d}"
        first = f"The access token of your {platform} channel {channel} expires on {when}."
    send_mail(
        subject=subject,
        message=(
            f"{first}\n\nReconnect the channel in replyqueue before then: after it, Meta refuses every reply "
            f"sent through it and approved replies fail.\n\n{settings.SITE_URL.rstrip('/')}/settings/\n"
        ),
        from_email=None,
        recipient_list=owners,
    )
    return True


def meta_tokens_check(now: datetime | None = None) -> dict:
    """The beat task's work: refresh each Meta channel's expiry (about daily) and warn the owners of
    those expiring within TOKEN_WARN_DAYS."""
    now = now or timezone.now()
    channels = Channel.objects.filter(platform__in=META_PLATFORMS, connector="meta", enabled=True)
    checked = warned = 0
    for channel in channels.filter(Q(token_checked_at__isnull=True) | Q(token_checked_at__lt=now - CHECK_EVERY)):
        checked += channel_token_check(channel, now)
    soon = now + timedelta(days=settings.TOKEN_WARN_DAYS)
    for channel in channels.filter(token_expires_at__lte=soon, token_warned_at__isnull=True).select_related("creator"):
        warned += warn_owners(channel, now)
    return {"checked": checked, "warned": warned}
