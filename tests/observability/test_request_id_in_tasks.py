"""A task enqueued while serving a request logs with that request's id, in a real worker."""

import threading
import uuid

import pytest
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from celery.signals import worker_process_init

from replyqueue.celery import app, load_the_models
from replyqueue.observability.logs import ContextFilter, request_id_var
from tests.conftest import require_redis

SEEN: dict[str, str] = {}
DONE = threading.Event()


@shared_task(name="tests.observability.remember_request_id")
def remember_request_id() -> None:
    record = type("Record", (), {})()
    ContextFilter().filter(record)
    SEEN.update(request_id=record.request_id, task_id=record.task_id)
    DONE.set()


@pytest.mark.services
def test_a_task_enqueued_during_a_request_carries_its_request_id():
    broker = require_redis()
    previous, app.conf.broker_url = app.conf.broker_url, broker
    # An in-process worker of this test only: no heartbeat thread or embedding model left behind.
    worker_process_init.disconnect(load_the_models)
    # A queue of its own: no other test's worker takes the task, and no task other tests left on the
    # shared queue (with no worker of theirs to run it) comes before it.
    queue = f"test-request-id-{uuid.uuid4().hex[:8]}"
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]):
            token = request_id_var.set("req-into-task")
            try:
                result = remember_request_id.apply_async(queue=queue)
            finally:
                request_id_var.reset(token)
            assert DONE.wait(20), "the worker did not run the task"
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        app.conf.broker_url = previous
        worker_process_init.connect(load_the_models)
    assert SEEN == {"request_id": "req-into-task", "task_id": result.id}
