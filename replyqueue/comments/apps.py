from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "replyqueue.comments"
    label = "comments"
