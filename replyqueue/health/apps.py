from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "replyqueue.health"
    label = "health"
    default_auto_field = "django.db.models.BigAutoField"
