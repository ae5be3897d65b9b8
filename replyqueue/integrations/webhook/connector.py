"""Delivery to the creator's own URL, signed per Standard Webhooks."""

import json
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from standardwebhooks import Webhook

from accounts.models import Creator
from replyqueue.core.netguard import UnsafeDestination, resolve_destination
from replyqueue.integrations.webhook.secrets import signing_secrets
from replyqueue.publishing.connectors.base import Outcome, RetrySchedule, parse_retry_after
from replyqueue.publishing.connectors.http import DeliveryError, post_pinned
from replyqueue.publishing.models import RETRYABLE, Publication, PublicationStatus

EVENT_TYPE = "reply.approved"


def payload_for(publication) -> dict:
    """`ai_assisted`, the disclosure `label` (in the reply's language; "" when not AI-assisted) and
    `language` are in `data.reply`, next to the text they describe, and repeated in `data`."""
    comment = publication.comment
    disclosure = {"ai_assisted": publication.ai_assisted, "label": publication.label, "language": publication.language}
    return {
        "type": EVENT_TYPE,
        "timestamp": publication.created_at.isoformat(),
        "data": {
            "publication_id": publication.id,
            "creator": publication.creator.slug,
            "comment": {
                "id": comment.id,
                "platform": comment.platform,
                "external_id": comment.external_id,
                "post_external_id": comment.post.external_id if comment.post_id else None,
            },
            "reply": {"text": publication.text, **disclosure},
            **disclosure,
        },
    }


def signed_request(publication, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload_for(publication), separators=(",", ":"), ensure_ascii=False)
    now = now or datetime.now(UTC)
    # One signature per live secret, space-separated: a receiver still on a rotated-out secret verifies too.
    signature = " ".join(
        Webhook(secret).sign(publication.idempotency_key, now, body) for secret in signing_secrets(publication.creator)
    )
    headers = {
        "content-type": "application/json",
        "user-agent": "replyqueue-webhooks/1",
        "webhook-id": publication.idempotency_key,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


GONE_REASON = "The receiver answered 410 Gone: the webhook endpoint is disabled. Save the URL again to re-enable it."


def retry_schedule() -> RetrySchedule:
    return RetrySchedule(
        delays=tuple(settings.WEBHOOK_RETRY_SCHEDULE) or (5.0,),
        max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        max_age_seconds=settings.WEBHOOK_MAX_RETRY_HOURS * 3600,
    )


def endpoint_disable(creator, reason: str = GONE_REASON) -> None:
    """410 Gone: the receiver asked us to stop. Recorded on the creator (shown in settings), and
    every webhook publication still waiting is dead with the reason; saving the URL again re-enables."""
    now = timezone.now()
    Creator.objects.filter(id=creator.id, webhook_disabled_at__isnull=True).update(
        webhook_disabled_at=now, webhook_disabled_reason=reason
    )
    Publication.objects.filter(creator_id=creator.id, connector="webhook", status__in=RETRYABLE).update(
        status=PublicationStatus.DEAD, last_error=reason
    )


class WebhookConnector:
    """Standard Webhooks delivery: only a 2xx is success; any other answer, or none, is retried on
    the webhook schedule (days); 410 Gone disables the endpoint. The request goes to the address
    checked by the SSRF guard, never follows a redirect, and `last_error` holds only the status
    code or "unreachable" (never a body, nor what kind of network failure it was)."""

    name = "webhook"

    @property
    def retry_schedule(self) -> RetrySchedule:
        return retry_schedule()

    def send(self, publication) -> Outcome:
        creator = publication.creator
        if creator.webhook_disabled_at:
            return Outcome.permanent(creator.webhook_disabled_reason or GONE_REASON)
        url = creator.webhook_url
        if not url or not creator.webhook_secret:
            return Outcome.permanent("No webhook URL is configured for this creator.")
        try:
            destination = resolve_destination(url)
        except UnsafeDestination as error:
            return Outcome.retry(str(error))
        body, headers = signed_request(publication)
        headers["host"] = destination.host_header
        try:
            answer = post_pinned(
                scheme=destination.scheme, address=destination.address, port=destination.port,
                host=destination.host, target=destination.target, body=body, headers=headers,
                timeout=settings.WEBHOOK_TIMEOUT,
            )
        except DeliveryError:
            # Refused, reset or timed out: all "unreachable". Re-sending is safe (webhook-id).
            return Outcome.retry("unreachable")
        status = answer.status
        if 200 <= status < 300:
            return Outcome.sent()
        if status == 410:
            endpoint_disable(creator)
            return Outcome.permanent(GONE_REASON)
        return Outcome.retry(f"HTTP {status}", parse_retry_after(answer.retry_after))

    def reconcile(self, publication) -> Outcome | None:
        # Receivers de-duplicate on webhook-id, which is stable across retries: re-sending is safe.
        return None
