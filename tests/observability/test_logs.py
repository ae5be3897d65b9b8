"""Structured logs: request ids in and out, task ids from the Celery context, JSON or text."""

import io
import json
import logging

from celery import shared_task
from django.http import HttpResponse
from django.test import RequestFactory

from replyqueue.observability.logs import ContextFilter, JsonFormatter, logging_config
from replyqueue.observability.middleware import RequestIdMiddleware


def _capture(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("tests.observability.capture")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_proxys_request_id_is_kept_and_returned(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-4f2a.9")
    assert response["X-Request-ID"] == "edge-4f2a.9"


def test_a_request_without_an_id_gets_a_new_one(client, db):
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_an_id_with_spaces_or_newlines_is_replaced(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nforged: line")
    assert "\n" not in response["X-Request-ID"] and " " not in response["X-Request-ID"]


def test_every_log_line_of_a_request_carries_its_id():
    logger, stream = _capture(JsonFormatter())

    def view(request):
        logger.info("handling comment %s", 12)
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-1"))
    [line] = _lines(stream)
    assert (line["message"], line["request_id"], line["level"]) == ("handling comment 12", "req-1", "INFO")
    assert response["X-Request-ID"] == "req-1"
    logger.info("after the request")
    assert "request_id" not in _lines(stream)[-1]


def test_a_log_line_inside_a_task_carries_the_task_id_and_name():
    logger, stream = _capture(JsonFormatter())

    @shared_task(name="tests.observability.log_something")
    def log_something():
        logger.info("inside the task")

    result = log_something.apply(task_id="task-abc")
    assert result.successful()
    [line] = _lines(stream)
    assert (line["task_id"], line["task_name"]) == ("task-abc", "tests.observability.log_something")


def test_extra_fields_and_exceptions_go_out_as_json_fields():
    logger, stream = _capture(JsonFormatter())
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("publication %s failed", 7, extra={"publication_id": 7})
    [line] = _lines(stream)
    assert line["publication_id"] == 7
    assert "ValueError: boom" in line["exception"]


def test_the_text_format_carries_the_same_ids():
    config = logging_config(log_format="text", level="INFO")
    logger, stream = _capture(logging.Formatter(config["formatters"]["text"]["format"]))
    RequestIdMiddleware(lambda request: (logger.info("hello"), HttpResponse())[1])(
        RequestFactory().get("/", HTTP_X_REQUEST_ID="req-2")
    )
    assert "[request=req-2 task=] hello" in stream.getvalue()
