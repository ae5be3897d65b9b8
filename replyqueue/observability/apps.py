from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "replyqueue.observability"
    label = "observability"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import before_task_publish

        before_task_publish.connect(carry_request_id, weak=False)


def carry_request_id(headers: dict | None = None, **kwargs) -> None:
    """A task enqueued while serving a request carries its id (read back in logs.ContextFilter)."""
    from replyqueue.observability.logs import request_id_var

    if headers is not None and (request_id := request_id_var.get()):
        headers.setdefault("request_id", request_id)
