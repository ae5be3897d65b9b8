from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """The platforms: one package each (webhook, meta, youtube) with its client, ingest,
    connector and quota. They sit on top of the other apps and plug their connectors into the
    outbox here, so the outbox never imports a platform."""

    name = "replyqueue.integrations"
    label = "integrations"

    def ready(self) -> None:
        from replyqueue.integrations.meta.connector import MetaConnector
        from replyqueue.integrations.webhook.connector import WebhookConnector
        from replyqueue.integrations.youtube.connector import YouTubeConnector
        from replyqueue.publishing.connectors import register_connector

        register_connector("webhook", WebhookConnector, needs_channel=False)
        register_connector("meta", MetaConnector, needs_channel=True)
        register_connector("youtube", YouTubeConnector, needs_channel=True)
