"""Structured logs: one JSON object a line with the request id and the Celery task id, so one
request or task can be followed across the web process and the workers.

Messages are written with ids only (comment 12, draft 34): fan text, fan names and draft text
are never logged (tests/privacy/test_fan_text_not_logged.py).
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str] = ContextVar("request_id", default="")

# Attributes every LogRecord has: anything else was passed in `extra=` and goes out as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "task_id", "task_name"}


def _current_task() -> tuple[str, str]:
    from celery import current_task

    task = current_task._get_current_object() if current_task else None
    if task is None or task.request.id is None:
        return "", ""
    return task.request.id, task.name


class ContextFilter(logging.Filter):
    """Adds request_id and task_id (empty outside a request or a task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id, record.task_name = _current_task()
        if not record.request_id and record.task_id:
            record.request_id = _task_request_id()
        return True


def _task_request_id() -> str:
    """The request id the web process put in the task's headers when it enqueued the task."""
    from celery import current_task

    request = current_task.request
    headers = getattr(request, "headers", None) or {}
    return str(getattr(request, "request_id", None) or headers.get("request_id") or "")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id", "task_name"):
            if getattr(record, key, ""):
                entry[key] = getattr(record, key)
        entry |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [request=%(request_id)s task=%(task_id)s] %(message)s"


def logging_config(*, log_format: str, level: str) -> dict:
    """settings.LOGGING for LOG_FORMAT=json or text."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "replyqueue.observability.logs.ContextFilter"}},
        "formatters": {
            "json": {"()": "replyqueue.observability.logs.JsonFormatter"},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": level},
    }
