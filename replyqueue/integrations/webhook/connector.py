"""Delivery to the creator's own URL, signed per Standard Webhooks."""

import json
from datetime import UTC, datetime

import httpx
from django.conf import settings
from standardwebhooks import Webhook

from replyqueue.integrations.webhook.secrets import signing_secrets
from replyqueue.publishing.connectors.base import Outcome, classify_http_status
from replyqueue.publishing.connectors.http import http_client

EVENT_TYPE = "reply.approved"


def payload_for(publication) -> dict:
    comment = publication.comment
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
            "reply": {"text": publication.text},
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


class WebhookConnector:
    name = "webhook"

    def send(self, publication) -> Outcome:
        url = publication.creator.webhook_url
        if not url or not publication.creator.webhook_secret:
            return Outcome.permanent("No webhook URL is configured for this creator.")
        body, headers = signed_request(publication)
        try:
            response = http_client().post(url, content=body, headers=headers, timeout=settings.PUBLISH_TIMEOUT)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            return Outcome.retry(f"Could not connect to {url}: {error.__class__.__name__}")
        except httpx.TransportError as error:
            # The request may have arrived: the answer is unknown.
            return Outcome.unknown(f"No answer from {url}: {error.__class__.__name__}")
        return classify_http_status(response.status_code, response.text, response.headers.get("retry-after"))

    def reconcile(self, publication) -> Outcome | None:
        # Receivers de-duplicate on webhook-id, which is stable across retries: re-sending is safe.
        return None
