from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "replyqueue.inbox"
    label = "inbox"
