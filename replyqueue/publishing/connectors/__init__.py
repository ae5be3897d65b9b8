"""Connectors deliver a publication somewhere. Each answers with an Outcome; none raises for
an expected failure (timeouts, 4xx, 5xx): the publisher decides what happens next."""

from replyqueue.publishing.connectors.base import Connector, Outcome


def get_connector(name: str) -> Connector:
    if name == "webhook":
        from replyqueue.publishing.connectors.webhook import WebhookConnector

        return WebhookConnector()
    raise ValueError(f"No connector {name!r} can send by itself.")


__all__ = ["Connector", "Outcome", "get_connector"]
