"""Platform webhook receivers (Meta) live under /hooks/."""

from django.urls import path

from replyqueue.integrations.meta.ingest import meta_webhook

urlpatterns: list = [
    path("meta/", meta_webhook, name="hooks-meta"),
]
