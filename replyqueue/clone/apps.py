from django.apps import AppConfig


class CloneConfig(AppConfig):
    name = "replyqueue.clone"
    label = "clone"
