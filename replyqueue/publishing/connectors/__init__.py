"""Connectors deliver a publication somewhere. Each answers with an Outcome; none raises for
an expected failure (timeouts, 4xx, 5xx): the publisher decides what happens next.

- webhook: the creator's URL, signed per Standard Webhooks (every live secret signs, see webhook_secrets).
- meta: Instagram and Facebook page replies through a Channel whose encrypted credentials hold
  `access_token` (+ `app_secret` for appsecret_proof and webhooks, `verify_token`, optional `username`).
- youtube: replies through a Channel whose credentials hold `access_token` and, to refresh it,
  `refresh_token`, `client_id`, `client_secret` (+ optional `token_uri`); `api_key` can poll only.
- pull: nothing is sent; clients list queued publications and acknowledge them.
"""

from importlib import import_module

from replyqueue.publishing.connectors.base import Connector, Outcome

CONNECTORS = {
    "webhook": "replyqueue.publishing.connectors.webhook.WebhookConnector",
    "meta": "replyqueue.publishing.connectors.meta.MetaConnector",
    "youtube": "replyqueue.publishing.connectors.youtube.YouTubeConnector",
}
PLATFORM_CONNECTORS = ("meta", "youtube")  # they need a Channel (credentials, rate limit)


def get_connector(name: str) -> Connector:
    if name not in CONNECTORS:
        raise ValueError(f"No connector {name!r} can send by itself.")
    module, _, class_name = CONNECTORS[name].rpartition(".")
    return getattr(import_module(module), class_name)()


__all__ = ["CONNECTORS", "PLATFORM_CONNECTORS", "Connector", "Outcome", "get_connector"]
