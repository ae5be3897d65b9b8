from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "replyqueue.publishing"
    label = "publishing"
